package coffre.kms.server.keys;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.security.SecureRandom;

/**
 * A key's identifier: {@code key-} followed by 26 lowercase base32 characters (130 random bits),
 * chosen by the server. Short enough for the envelope header (one length byte), unguessable, and
 * safe to use in HSM labels and file names.
 */
public record KeyId(String value) implements Comparable<KeyId> {
    private static final String PREFIX = "key-";
    private static final int RANDOM_CHARS = 26;
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    public KeyId {
        if (!isWellFormed(value)) {
            throw new KmsException(ErrorReason.INVALID_KEY_ID,
                    "a key id is \"key-\" followed by 26 characters of [a-z2-7]");
        }
    }

    /** {@code key-[a-z2-7]{26}}, checked by hand: it runs on every call (a regex cost more than the look-up). */
    public static boolean isWellFormed(String value) {
        if (value == null || value.length() != PREFIX.length() + RANDOM_CHARS || !value.startsWith(PREFIX)) {
            return false;
        }
        for (int i = PREFIX.length(); i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '2' && c <= '7')) {
                return false;
            }
        }
        return true;
    }

    public static KeyId random(SecureRandom random) {
        StringBuilder sb = new StringBuilder(PREFIX);
        for (int i = 0; i < RANDOM_CHARS; i++) {
            sb.append(BASE32[random.nextInt(BASE32.length)]);
        }
        return new KeyId(sb.toString());
    }

    @Override
    public int compareTo(KeyId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
