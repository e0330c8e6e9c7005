package coffre.kms.client.envelope;

import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * A data key in both forms: its plaintext, which encrypts a message, and its wrapped form (a
 * Coffre envelope from {@code GenerateDataKey}), which travels in the message's header. It exists
 * so the plaintext moves through the client in one type that never prints it and is zeroed by
 * {@link #destroy()} as soon as its holder is done; every {@link DataKeys} call hands over a
 * {@code DataKey} that the caller then owns and must destroy.
 */
public final class DataKey implements Destroyable {

    private final String keyId;
    private final int keyVersion;
    private final byte[] plaintext;
    private final byte[] wrapped;
    private volatile boolean destroyed;

    private DataKey(String keyId, int keyVersion, byte[] plaintext, byte[] wrapped) {
        this.keyId = keyId;
        this.keyVersion = keyVersion;
        this.plaintext = plaintext;
        this.wrapped = wrapped;
    }

    /**
     * A data key from copies of {@code plaintext} and {@code wrapped}; the caller may zero its own
     * arrays afterwards.
     *
     * @param keyId the Coffre key that wrapped it ({@code key-...})
     * @param keyVersion the version of that key
     */
    public static DataKey of(String keyId, int keyVersion, byte[] plaintext, byte[] wrapped) {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(wrapped, "wrapped");
        return new DataKey(keyId, keyVersion, plaintext.clone(), wrapped.clone());
    }

    /** The Coffre key that wrapped this data key. */
    public String keyId() {
        return keyId;
    }

    /** The version of {@link #keyId()} that wrapped it. */
    public int keyVersion() {
        return keyVersion;
    }

    /** The wrapped form (a copy): not secret, it opens only through Coffre. */
    public byte[] wrapped() {
        return wrapped.clone();
    }

    /** Length of the plaintext key in bytes. */
    public int length() {
        return plaintext.length;
    }

    /**
     * A copy of the plaintext key, which the caller must zero when done.
     *
     * @throws IllegalStateException if this key was destroyed
     */
    public byte[] copyPlaintext() {
        return plaintextView().clone();
    }

    /** The plaintext itself, for this package's short-lived uses; never stored or returned further. */
    byte[] plaintextView() {
        if (destroyed) {
            throw new IllegalStateException("this data key was destroyed");
        }
        return plaintext;
    }

    /** A new, independent copy, which its receiver must destroy in turn. */
    DataKey copy() {
        return new DataKey(keyId, keyVersion, plaintextView().clone(), wrapped);
    }

    /** Zeroes the plaintext; the key can no longer be used. Calling it again does nothing. */
    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(plaintext, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** Names the key that wrapped it, never the plaintext. */
    @Override
    public String toString() {
        return "DataKey[" + keyId + " v" + keyVersion + ", " + plaintext.length + " bytes, redacted"
                + (destroyed ? ", destroyed" : "") + "]";
    }
}
