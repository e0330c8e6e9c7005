package coffre.kms.server.access;

/**
 * Told when a key-level access decision starts and how it ends, so that the node's telemetry can
 * show it (a {@code policy} span of a traced call) while this package knows nothing of how.
 * {@link #NONE} observes nothing and allocates nothing: what a node without traces, and every
 * test of the decision itself, gets.
 */
@FunctionalInterface
public interface DecisionObserver {
    /** Observes nothing. */
    DecisionObserver NONE = () -> Decision.NONE;

    /** A decision starts on this thread; close what is returned, on this thread, when it ends. */
    Decision begin();

    /** One decision being made. */
    interface Decision extends AutoCloseable {
        /** Observes nothing. */
        Decision NONE = new Decision() {
            @Override
            public void refused(String reason) {
            }

            @Override
            public void close() {
            }
        };

        /**
         * The decision refuses the call. {@code reason} is a name from a closed set (an
         * {@link coffre.kms.server.domain.ErrorReason} or an {@link AccessRefusal.Kind}), never a
         * message: messages name principals and keys.
         */
        void refused(String reason);

        /** The decision is made (allowed, or refused as {@link #refused} said). */
        @Override
        void close();
    }
}
