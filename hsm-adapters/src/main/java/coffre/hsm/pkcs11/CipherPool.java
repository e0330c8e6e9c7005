package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;

import javax.crypto.Cipher;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * A bounded pool of {@code AES/GCM/NoPadding} {@link Cipher}s of one provider.
 *
 * <p>Why: a {@code Cipher} is not thread-safe, and {@code Cipher.getInstance} on every call costs a
 * provider lookup and a new SunPKCS11 cipher object. The pool hands each caller a cipher of its own
 * and bounds concurrent HSM operations to {@code size} (the configured session count), so a burst
 * of callers waits here instead of exhausting the token's sessions. A cipher that failed in an
 * unexpected way is discarded rather than returned ({@link #release(Cipher, boolean)}) and a new
 * one is made on demand, which evicts any state the failure left behind.
 *
 * <p>Why a deadline and a "starved" mark: when the HSM stops answering, the callers inside it keep
 * their ciphers, and a caller waiting here would wait as long as the HSM hangs. A borrow therefore
 * waits at most {@code borrowTimeout} ({@code hsm.operationTimeout}) and then fails with
 * {@link HsmErrorKind#UNAVAILABLE}; after such a timeout the pool is marked starved, and until some
 * cipher comes back, later borrowers that find none free fail at once rather than each waiting the
 * full deadline.
 */
final class CipherPool {
    static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final String WHAT = "free HSM session";

    private final Provider provider;
    private final int size;
    private final Duration borrowTimeout;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<Cipher> idle = new ConcurrentLinkedQueue<>();
    private volatile boolean starved;

    CipherPool(Provider provider, int size, Duration borrowTimeout) {
        if (size < 1) {
            throw new IllegalArgumentException("cipher pool size must be >= 1, got " + size);
        }
        this.provider = provider;
        this.size = size;
        this.borrowTimeout = borrowTimeout;
        this.permits = new Semaphore(size, true);
        // Fail at start, not on the first request, if the token has no AES-GCM.
        idle.add(newCipher());
    }

    /**
     * A cipher for the caller's exclusive use; waits at most the borrow timeout while {@code size}
     * are in use.
     *
     * @throws HsmException of kind {@link HsmErrorKind#UNAVAILABLE} when no cipher is free in time,
     *                      at once while the pool is starved, or if interrupted (flag restored)
     */
    Cipher borrow() {
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
        Cipher c = idle.poll();
        if (c != null) {
            return c;
        }
        try {
            return newCipher();
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    /** Returns {@code cipher}; {@code reusable=false} discards it. Call exactly once per borrow, in {@code finally}. */
    void release(Cipher cipher, boolean reusable) {
        if (reusable && cipher != null) {
            idle.offer(cipher);
        }
        starved = false;
        permits.release();
    }

    int size() {
        return size;
    }

    /** Ciphers currently idle in the pool (for tests). */
    int idleCount() {
        return idle.size();
    }

    /** Whether a borrow timed out and no cipher came back since (for tests and health detail). */
    boolean starved() {
        return starved;
    }

    private Cipher newCipher() {
        try {
            return Cipher.getInstance(TRANSFORMATION, provider);
        } catch (GeneralSecurityException e) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "the HSM provider offers no " + TRANSFORMATION, null, e);
        }
    }
}
