package coffre.kms.server.keys;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a key may be used for, chosen when it is created ({@code KeyUsage} in {@code key_spec.proto}).
 * {@link KeySpec#allows} says which usages a spec can have; {@link KeyCapabilities} which operations
 * each pair makes possible.
 */
public enum KeyUsage {
    /** AES-256: wrap, unwrap, generate data key, rewrap. RSA: decrypt (OAEP). */
    ENCRYPT_DECRYPT,
    /** RSA (PSS) or EC (ECDSA): sign and verify. */
    SIGN_VERIFY;

    public static final String NAMES = Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    /**
     * @param name as received (an unknown wire value is named by its number)
     * @throws KmsException {@link ErrorReason#INVALID_KEY_SPEC} naming the usages there are
     */
    public static KeyUsage require(String name) {
        return Arrays.stream(values()).filter(usage -> usage.name().equals(name)).findFirst()
                .orElseThrow(() -> new KmsException(ErrorReason.INVALID_KEY_SPEC,
                        "key usage " + name + " is not one of " + NAMES, Map.of("allowed", NAMES)));
    }
}
