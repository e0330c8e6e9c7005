package coffre.kms.server.domain;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * A key's identifier: {@code key-} followed by 26 lowercase base32 characters (130 random bits),
 * chosen by the server. Short enough for the envelope header (one length byte), unguessable, and
 * safe to use in HSM labels and file names.
 */
public record KeyId(String value) implements Comparable<KeyId> {
    private static final Pattern FORMAT = Pattern.compile("key-[a-z2-7]{26}");
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    public KeyId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new KmsException(ErrorReason.INVALID_KEY_ID,
                    "a key id is \"key-\" followed by 26 characters of [a-z2-7]");
        }
    }

    public static boolean isWellFormed(String value) {
        return value != null && FORMAT.matcher(value).matches();
    }

    public static KeyId random(SecureRandom random) {
        StringBuilder sb = new StringBuilder("key-");
        for (int i = 0; i < 26; i++) {
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
