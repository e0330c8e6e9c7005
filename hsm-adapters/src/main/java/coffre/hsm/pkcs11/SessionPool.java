package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A bounded pool of PKCS#11 operation sessions (or, in its unit test, of any object).
 *
 * <p>Why: a session runs one operation at a time, and opening one per call costs a round trip. The
 * pool hands each caller a session of its own and bounds concurrent HSM operations to {@code size}
 * (the configured session count), so a burst of callers waits here instead of exhausting the
 * token's sessions. A session that failed in an unexpected way is closed rather than returned
 * ({@link #release(Object, boolean)}) and a new one is opened on demand, which evicts any state the
 * failure left behind.
 *
 * <p>Why a deadline and a "starved" mark: when the HSM stops answering, the callers inside it keep
 * their sessions, and a caller waiting here would wait as long as the HSM hangs. A borrow therefore
 * waits at most {@code borrowTimeout} ({@code hsm.operationTimeout}) and then fails with
 * {@link HsmErrorKind#UNAVAILABLE}; after such a timeout the pool is marked starved, and until some
 * session comes back, later borrowers that find none free fail at once rather than each waiting the
 * full deadline.
 */
final class SessionPool<S> implements AutoCloseable {
    private static final String WHAT = "free HSM session";

    private final Supplier<S> open;
    private final Consumer<S> close;
    private final Duration borrowTimeout;
    private final Semaphore permits;
    private final int size;
    private final ConcurrentLinkedQueue<S> idle = new ConcurrentLinkedQueue<>();
    private volatile boolean starved;
    private volatile boolean closed;

    /**
     * Opens one session at once, so that a token that cannot open sessions fails at start.
     *
     * @param open  opens a session (may throw what the HSM says)
     * @param close closes a session that is discarded or left idle at {@link #close()}; must not throw
     */
    SessionPool(Supplier<S> open, Consumer<S> close, int size, Duration borrowTimeout) {
        if (size < 1) {
            throw new IllegalArgumentException("session pool size must be >= 1, got " + size);
        }
        this.open = Objects.requireNonNull(open, "open");
        this.close = Objects.requireNonNull(close, "close");
        this.borrowTimeout = borrowTimeout;
        this.permits = new Semaphore(size, true);
        this.size = size;
        idle.add(open.get());
    }

    /**
     * A session for the caller's exclusive use; waits at most the borrow timeout while {@code size}
     * are in use.
     *
     * @throws HsmException of kind {@link HsmErrorKind#UNAVAILABLE} when no session is free in time,
     *                      at once while the pool is starved, or if interrupted (flag restored)
     */
    S borrow() {
        if (starved) {
            if (!permits.tryAcquire()) {
                throw BoundedWait.timedOut(WHAT, borrowTimeout);
            }
        } else {
            try {
                BoundedWait.acquire(permits, borrowTimeout, WHAT);
            } catch (HsmException e) {
                starved = !Thread.currentThread().isInterrupted();
                throw e;
            }
        }
        S s = idle.poll();
        if (s != null) {
            return s;
        }
        try {
            return open.get();
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    /** Returns {@code session}; {@code reusable=false} closes it. Call exactly once per borrow, in {@code finally}. */
    void release(S session, boolean reusable) {
        if (reusable && !closed) {
            idle.offer(session);
            if (closed) {
                drain(); // the pool was closed while this session was on its way back
            }
        } else {
            close.accept(session);
        }
        starved = false;
        permits.release();
    }

    /** The most sessions lent out at once. */
    int size() {
        return size;
    }

    /** Sessions lent out now (a borrower between its permit and its session counts too); for monitoring. */
    int inUse() {
        return Math.max(0, size - permits.availablePermits());
    }

    /** Sessions currently idle in the pool (for tests). */
    int idleCount() {
        return idle.size();
    }

    /** Whether a borrow timed out and no session came back since (for tests and health detail). */
    boolean starved() {
        return starved;
    }

    /** Closes the idle sessions now, and every borrowed one when it comes back. */
    @Override
    public void close() {
        closed = true;
        drain();
    }

    private void drain() {
        for (S s = idle.poll(); s != null; s = idle.poll()) {
            close.accept(s);
        }
    }
}
