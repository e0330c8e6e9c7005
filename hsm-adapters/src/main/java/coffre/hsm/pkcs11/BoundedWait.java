package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * Waits for an HSM lock or session permit for at most {@code hsm.operationTimeout}.
 *
 * <p>Why: a thread inside a PKCS#11 call that stopped answering cannot be interrupted, and it holds
 * its lock or session while it waits; without a bound, every later caller would queue behind it for
 * as long as the HSM hangs. Past the deadline the caller gets {@link HsmErrorKind#UNAVAILABLE}, like
 * any other HSM outage. An interrupt also ends the wait as {@code UNAVAILABLE}, with the thread's
 * interrupt flag restored (never swallowed).
 */
final class BoundedWait {
    private BoundedWait() {
    }

    /** Locks {@code lock} within {@code timeout}, or fails naming {@code what} waited. */
    static void lock(Lock lock, Duration timeout, String what) {
        await(nanos -> lock.tryLock(nanos, TimeUnit.NANOSECONDS), timeout, what);
    }

    /** Takes a permit of {@code permits} within {@code timeout}, or fails naming {@code what} waited. */
    static void acquire(Semaphore permits, Duration timeout, String what) {
        await(nanos -> permits.tryAcquire(nanos, TimeUnit.NANOSECONDS), timeout, what);
    }

    /** A wait that gives up after the nanoseconds given, saying whether it got what it waited for. */
    @FunctionalInterface
    private interface TimedWait {
        boolean tryFor(long nanos) throws InterruptedException;
    }

    private static void await(TimedWait wait, Duration timeout, String what) {
        try {
            if (!wait.tryFor(timeout.toNanos())) {
                throw timedOut(what, timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "interrupted while waiting for " + what);
        }
    }

    static HsmException timedOut(String what, Duration timeout) {
        return new HsmException(HsmErrorKind.UNAVAILABLE, "no " + what + " within hsm.operationTimeout (" + timeout
                + "): the HSM is not answering or is overloaded");
    }
}
