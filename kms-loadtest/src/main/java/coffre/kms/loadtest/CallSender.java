package coffre.kms.loadtest;

/**
 * Starts one asynchronous call. Implementations must not block and must complete the listener
 * exactly once, on any thread.
 */
@FunctionalInterface
public interface CallSender {
    void send(Operation op, CallListener listener);

    /** How one call ended. */
    interface CallListener {
        void succeeded();

        /** @param reason the server's {@code ErrorInfo} reason, else the gRPC status code name */
        void failed(String reason);
    }
}
