package coffre.kms.server.domain;

import java.util.Arrays;

/**
 * Plaintext key material or data held by the server for the shortest time possible. It never
 * prints its value ({@link #toString()} shows only the length) and is zeroed by {@link #close()}.
 * Reading the bytes is explicit: {@link #reveal()} returns the live array, not a copy, so the
 * caller must not keep it beyond the owner's lifetime.
 */
public final class SecretBytes implements AutoCloseable {
    private final byte[] value;
    private volatile boolean destroyed;

    private SecretBytes(byte[] value) {
        this.value = value;
    }

    /** Takes ownership of {@code value}: the array is zeroed when this object is closed. */
    public static SecretBytes adopt(byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("secret value must not be null");
        }
        return new SecretBytes(value);
    }

    /** Copies {@code value}; the caller keeps ownership of its own array. */
    public static SecretBytes copyOf(byte[] value) {
        return adopt(value.clone());
    }

    public int length() {
        return value.length;
    }

    /** The live bytes. Do not log, store or keep them. */
    public byte[] reveal() {
        if (destroyed) {
            throw new IllegalStateException("secret already destroyed");
        }
        return value;
    }

    @Override
    public void close() {
        destroyed = true;
        Arrays.fill(value, (byte) 0);
    }

    @Override
    public String toString() {
        return "SecretBytes[" + value.length + " bytes, redacted]";
    }
}
