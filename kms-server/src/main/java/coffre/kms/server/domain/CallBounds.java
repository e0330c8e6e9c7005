package coffre.kms.server.domain;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * How long a call may still run, and whether its caller has gone. Long server work (audit queries,
 * verification) checks it between steps ({@link #check}) and bounds each blocking step by it: a
 * database statement gets the time left as its time-out and is cancelled through
 * {@link #whileRunning} as soon as the call is {@linkplain #cancel() cancelled} — which the gRPC
 * edge does when the caller cancels, resets the stream, or its deadline passes. Work for a caller
 * that gave up is wasted and holds a worker and a database connection: it stops.
 *
 * <p>Thread-safe: one thread works, another cancels.
 */
public final class CallBounds {
    /** No deadline, never cancelled (internal work, tests). */
    public static final CallBounds NONE = new CallBounds(Long.MAX_VALUE);

    private final long deadlineNanos;
    private volatile ErrorReason stopped;
    private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();

    private CallBounds(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** Bounds for a call whose caller waits {@code timeoutMillis} from now (0 or less: no deadline). */
    public static CallBounds withTimeout(long timeoutMillis) {
        return new CallBounds(timeoutMillis <= 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000);
    }

    /**
     * The call is over for its caller: {@code reason} is {@link ErrorReason#CANCELLED} or
     * {@link ErrorReason#DEADLINE_EXCEEDED}. Runs the cancel actions of the steps running now.
     */
    public void cancel(ErrorReason reason) {
        if (this == NONE) {
            return;
        }
        if (stopped == null) {
            stopped = reason;
        }
        onCancel.forEach(Runnable::run);
    }

    /** True once cancelled or past the deadline. */
    public boolean over() {
        return stopped != null || System.nanoTime() - deadlineNanos >= 0 && deadlineNanos != Long.MAX_VALUE;
    }

    /** Throws the reason the call is over, if it is; a step calls it before starting. */
    public void check() {
        if (!over()) {
            return;
        }
        ErrorReason reason = stopped == null ? ErrorReason.DEADLINE_EXCEEDED : stopped;
        throw new KmsException(reason, reason == ErrorReason.CANCELLED
                ? "the caller cancelled the call; its work was stopped"
                : "the call's deadline passed; its work was stopped", Map.of());
    }

    /** Milliseconds left before the deadline (at least 1 while not over), or 0 for no deadline. */
    public long remainingMillis() {
        if (deadlineNanos == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }

    /**
     * Runs {@code cancel} if the call is cancelled until the returned handle is closed (e.g.
     * {@code Statement::cancel} around a statement's execution); at once if it already is.
     */
    public Registration whileRunning(Runnable cancel) {
        if (this == NONE) {
            return () -> { };
        }
        onCancel.add(cancel);
        if (stopped != null) {
            cancel.run();
        }
        return () -> onCancel.remove(cancel);
    }

    /** A cancel action's registration. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
