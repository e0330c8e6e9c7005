package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;

import javax.crypto.Cipher;
import java.security.GeneralSecurityException;
import java.security.Provider;
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
 */
final class CipherPool {
    static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final Provider provider;
    private final int size;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<Cipher> idle = new ConcurrentLinkedQueue<>();

    CipherPool(Provider provider, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("cipher pool size must be >= 1, got " + size);
        }
        this.provider = provider;
        this.size = size;
        this.permits = new Semaphore(size, true);
        // Fail at start, not on the first request, if the token has no AES-GCM.
        idle.add(newCipher());
    }

    /**
     * A cipher for the caller's exclusive use; blocks while {@code size} are in use.
     *
     * @throws HsmException of kind {@link HsmErrorKind#UNAVAILABLE} if interrupted while waiting
     *                      (the interrupt flag is restored)
     */
    Cipher borrow() {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "interrupted while waiting for an HSM session");
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
        permits.release();
    }

    int size() {
        return size;
    }

    /** Ciphers currently idle in the pool (for tests). */
    int idleCount() {
        return idle.size();
    }

    private Cipher newCipher() {
        try {
            return Cipher.getInstance(TRANSFORMATION, provider);
        } catch (GeneralSecurityException e) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "the HSM provider offers no " + TRANSFORMATION, null, e);
        }
    }
}
