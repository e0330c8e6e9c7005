package coffre.hsm;

import java.util.Arrays;

/**
 * The result of {@link Hsm#encrypt}: the 12-byte IV the HSM used and the ciphertext followed by
 * the 16-byte GCM tag.
 */
public record GcmCiphertext(byte[] iv, byte[] ciphertextAndTag) {
    public static final int IV_LENGTH = 12;
    public static final int TAG_LENGTH = 16;

    public GcmCiphertext {
        if (iv == null || iv.length != IV_LENGTH) {
            throw new IllegalArgumentException("GCM IV must be " + IV_LENGTH + " bytes");
        }
        if (ciphertextAndTag == null || ciphertextAndTag.length < TAG_LENGTH) {
            throw new IllegalArgumentException("GCM ciphertext must hold at least the " + TAG_LENGTH + "-byte tag");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GcmCiphertext other
                && Arrays.equals(iv, other.iv)
                && Arrays.equals(ciphertextAndTag, other.ciphertextAndTag);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(iv) + Arrays.hashCode(ciphertextAndTag);
    }

    @Override
    public String toString() {
        return "GcmCiphertext[" + ciphertextAndTag.length + " bytes]";
    }
}
