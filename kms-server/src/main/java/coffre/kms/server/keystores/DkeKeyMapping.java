package coffre.kms.server.keystores;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.KeyId;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Microsoft 365 Double Key Encryption key name standing for a Coffre key: the last segment of a
 * sensitivity label's key URL ({@code https://<service>/<key name>}) names the key whose public
 * half Office encrypts to and whose private half decrypts through the DKE listener. Made only by
 * an approved quorum operation; one name maps to one key, a key may have several names.
 *
 * @param keyName    1–{@value #MAX_NAME_CHARS} characters of {@code [A-Za-z0-9_-]}, case-sensitive
 * @param keyId      the Coffre key (an RSA key of usage ENCRYPT_DECRYPT for DKE to work)
 * @param createTime when the mapping was made (officers approved it)
 */
public record DkeKeyMapping(String keyName, KeyId keyId, Instant createTime) {
    public static final int MAX_NAME_CHARS = 64;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_NAME_CHARS + "}");

    public DkeKeyMapping {
        requireName(keyName);
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(createTime, "createTime");
    }

    /** Whether {@code name} is a DKE key name (the DKE edge's paths use the same rule). */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** @throws KmsException {@link ErrorReason#INVALID_DKE_KEY_NAME} (MISSING_FIELD when empty) */
    public static void requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw KmsException.missing("key_name");
        }
        if (!isValidName(name)) {
            throw new KmsException(ErrorReason.INVALID_DKE_KEY_NAME, "a DKE key name is 1-" + MAX_NAME_CHARS
                    + " characters of A-Z a-z 0-9 _ -");
        }
    }
}
