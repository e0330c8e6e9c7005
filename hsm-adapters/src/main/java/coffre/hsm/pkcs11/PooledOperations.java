package coffre.hsm.pkcs11;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;

import java.lang.System.Logger.Level;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.ProviderException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongFunction;
import javax.crypto.AEADBadTagException;

/**
 * The calls of one {@link Pkcs11Hsm} that run on its pooled operation sessions: AES-GCM on a key's
 * handle, random bytes, and the private-key operations and generation of key pairs.
 *
 * <p>Why pooled sessions ({@link SessionPool}, bounded by {@code hsm.sessions}): a PKCS#11 session
 * runs one operation at a time, and these calls are the node's hot path; object management runs on
 * the separate {@link ObjectSession}, so it never competes with them. Why AES-GCM in two PKCS#11 calls
 * ({@link Pkcs11Native#gcm}) and not SunPKCS11's {@code Cipher}: the {@code Cipher} makes four and,
 * to decrypt, a failing dummy call that SoftHSM2 logs as an error every time. Every failure is
 * translated by {@link CkrErrorMapper}; every GCM authentication failure is the same
 * {@link HsmErrorKind#AUTHENTICATION_FAILED} exception.
 *
 * <p>IVs come from one generator per thread (the JDK's DRBG, or SunPKCS11's {@code P11SecureRandom}
 * when the profile wants the HSM's RNG): both are synchronized, and a single shared instance made
 * every IV wait for the others (JFR: monitor waits of 17 ms on average under load). Random bytes
 * for callers come from {@code C_GenerateRandom} directly ({@link #fillRandom}).
 */
final class PooledOperations implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PooledOperations.class.getName());

    private final Pkcs11Native module;
    private final SessionPool<Long> sessions;
    private final ThreadLocal<SecureRandom> ivRandom;

    private PooledOperations(Pkcs11Native module, SessionPool<Long> sessions, ThreadLocal<SecureRandom> ivRandom) {
        this.module = module;
        this.sessions = sessions;
        this.ivRandom = ivRandom;
    }

    /**
     * Checks that the token has a random generator and opens the first of {@code size} sessions, so
     * that a token that cannot do either fails at open.
     *
     * @param ivFromHsmRng whether IVs must come from the HSM's RNG (the profile says so)
     * @param timeout      how long a caller waits for a free session ({@code hsm.operationTimeout})
     */
    static PooledOperations open(LoggedInToken token, boolean ivFromHsmRng, int size, Duration timeout) {
        Provider provider = token.provider();
        ThreadLocal<SecureRandom> ivRandom;
        try {
            SecureRandom.getInstance("PKCS11", provider); // fails here, at open, if the HSM has no RNG
            // 96-bit random IVs only need a CSPRNG; the JDK's DRBG spares an HSM round trip per call
            // unless the profile requires the HSM's RNG.
            ivRandom = ivFromHsmRng ? ThreadLocal.withInitial(() -> randomOf("PKCS11", provider))
                    : ThreadLocal.withInitial(() -> randomOf("DRBG", null));
        } catch (GeneralSecurityException e) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "the HSM offers no random number generator", null, e);
        }
        Pkcs11Native module = token.module();
        long slot = token.slot();
        SessionPool<Long> sessions;
        try {
            sessions = new SessionPool<>(() -> module.openSession(slot), session -> closeQuietly(module, session),
                    size, timeout);
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "open session");
        }
        return new PooledOperations(module, sessions, ivRandom);
    }

    /** AES-256-GCM encryption with the key object {@code key} and a fresh IV. */
    GcmCiphertext encrypt(long key, byte[] aad, byte[] plaintext) {
        return onSession("encrypt", session -> {
            byte[] iv = new byte[GcmCiphertext.IV_LENGTH];
            byte[] out = new byte[plaintext.length + GcmCiphertext.TAG_LENGTH];
            ivRandom.get().nextBytes(iv);
            int n = module.gcm(true, session, key, iv, aad, plaintext, out);
            return new GcmCiphertext(iv, n == out.length ? out : Arrays.copyOf(out, n));
        });
    }

    /** AES-256-GCM decryption with the key object {@code key}; the work buffer is wiped. */
    byte[] decrypt(long key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        return onSession("decrypt", session -> {
            // Room for the tag too: some modules check the output buffer against the input's length.
            byte[] out = new byte[ciphertextAndTag.length];
            int n = module.gcm(false, session, key, iv, aad, ciphertextAndTag, out);
            byte[] plaintext = Arrays.copyOf(out, n);
            Arrays.fill(out, (byte) 0);
            return plaintext;
        });
    }

    /**
     * RSA-OAEP decryption (SHA-256, MGF1-SHA-256, empty label) inside the HSM with the private key
     * object {@code key}. A refused {@code C_DecryptInit} (the key may not decrypt) is translated as
     * any failure. Every failure of the {@code C_Decrypt} itself is the one
     * {@link HsmErrorKind#AUTHENTICATION_FAILED}, whatever the HSM says about the ciphertext (bad
     * padding, wrong length, another key's ciphertext), so the answer is no padding oracle; only a
     * module or session that stopped working (UNAVAILABLE, which says nothing of the ciphertext)
     * stays what it is. The session goes back to the pool after such a failure: {@code C_Decrypt}
     * ends the operation whatever its outcome (PKCS#11 §5.9). The work buffer is wiped.
     *
     * @param modulusBytes the key's modulus length: the largest plaintext there can be
     */
    byte[] rsaOaepDecrypt(long key, byte[] ciphertext, int modulusBytes) {
        return onSession("RSA-OAEP decrypt", session -> {
            module.rsaOaepDecryptInit(session, key);
            byte[] out = new byte[modulusBytes];
            try {
                return Arrays.copyOf(out, module.decrypt(session, ciphertext, out));
            } catch (ProviderException e) {
                if (CkrErrorMapper.map(e, "RSA-OAEP decrypt").kind() == HsmErrorKind.UNAVAILABLE) {
                    throw e;
                }
                throw new ProviderException("RSA-OAEP decryption failed", new AEADBadTagException("OAEP decoding failed"));
            } finally {
                Arrays.fill(out, (byte) 0);
            }
        });
    }

    /** A signature of {@code data} (a digest) with the private key object {@code key} and {@code mechanism}. */
    byte[] sign(long key, Object mechanism, byte[] data) {
        return onSession("sign", session -> module.sign(session, mechanism, key, data));
    }

    /**
     * {@code C_GenerateKeyPair} on an operation session, not the object session: an RSA-4096 pair
     * takes seconds, during which lookups, MACs and the health probe must not wait.
     *
     * @return the public key's handle, then the private key's
     */
    long[] generateKeyPair(long mechanism, java.util.List<Pkcs11Native.Attr> publicTemplate,
                           java.util.List<Pkcs11Native.Attr> privateTemplate) {
        return onSession("generate key pair", session -> module.generateKeyPair(session, mechanism, publicTemplate,
                privateTemplate));
    }

    /**
     * Fills {@code out} by one {@code C_GenerateRandom}: SunPKCS11's {@code P11SecureRandom} would take
     * a session of its own pool, mix the bytes with a software generator, and is synchronized.
     */
    byte[] fillRandom(byte[] out) {
        return onSession("generate random bytes", session -> {
            module.generateRandom(session, out);
            return out;
        });
    }

    /** Sessions lent out now, for monitoring. */
    int sessionsInUse() {
        return sessions.inUse();
    }

    /** The most sessions lent out at once ({@code hsm.sessions}). */
    int sessionsMax() {
        return sessions.size();
    }

    /** Closes the idle sessions now, and every borrowed one when it comes back. */
    @Override
    public void close() {
        sessions.close();
    }

    /**
     * Runs {@code operation} on a pooled operation session, its failures translated by
     * {@link CkrErrorMapper}. The session goes back to the pool after a success or a GCM tag
     * mismatch (an expected outcome: the failed {@code C_Decrypt} has ended the operation, the
     * session is clean); after any other failure it is closed, with whatever state it was left in.
     */
    private <T> T onSession(String what, LongFunction<T> operation) {
        long session = sessions.borrow();
        boolean reusable = false;
        try {
            T result = operation.apply(session);
            reusable = true;
            return result;
        } catch (ProviderException e) {
            HsmException mapped = CkrErrorMapper.map(e, what);
            reusable = mapped.kind() == HsmErrorKind.AUTHENTICATION_FAILED;
            throw mapped;
        } finally {
            sessions.release(session, reusable);
        }
    }

    /** A generator checked to exist at open; {@code provider} null for the JDK's own. */
    private static SecureRandom randomOf(String algorithm, Provider provider) {
        try {
            return provider == null ? SecureRandom.getInstance(algorithm) : SecureRandom.getInstance(algorithm, provider);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " random generator vanished after open", e);
        }
    }

    private static void closeQuietly(Pkcs11Native module, long session) {
        try {
            module.closeSession(session);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a discarded HSM session: {0}", CkrErrorMapper.ckrName(e).orElse(e.toString()));
        }
    }
}
