package coffre.kms.server.keys;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Which data-plane operations a key can do at all, from its spec and usage — whatever its policy
 * says (a policy may list WRAP on an RSA key; the key still cannot wrap). Checked after the
 * caller's access, so only a caller that may use the key learns what kind of key it is.
 */
public final class KeyCapabilities {
    private static final Set<DataOperation> ENVELOPES = EnumSet.of(DataOperation.WRAP, DataOperation.UNWRAP,
            DataOperation.GENERATE_DATA_KEY, DataOperation.REWRAP);
    private static final Set<DataOperation> DECRYPTION = EnumSet.of(DataOperation.DECRYPT, DataOperation.GET_PUBLIC_KEY);
    private static final Set<DataOperation> SIGNATURES = EnumSet.of(DataOperation.SIGN, DataOperation.VERIFY,
            DataOperation.GET_PUBLIC_KEY);

    private KeyCapabilities() {
    }

    /** The operations a key of {@code spec} and {@code usage} can do. */
    public static Set<DataOperation> of(KeySpec spec, KeyUsage usage) {
        if (!spec.asymmetric()) {
            return ENVELOPES;
        }
        return usage == KeyUsage.ENCRYPT_DECRYPT ? DECRYPTION : SIGNATURES;
    }

    /**
     * @throws KmsException {@link ErrorReason#INVALID_KEY_USAGE} (metadata key_spec, key_usage) when
     *                      the key cannot do {@code operation}
     */
    public static void require(KeyMetadata key, DataOperation operation) {
        if (!of(key.spec(), key.usage()).contains(operation)) {
            throw new KmsException(ErrorReason.INVALID_KEY_USAGE, "key " + key.id() + " is " + key.spec() + " "
                    + key.usage() + ": it cannot " + describe(operation) + " (it can "
                    + String.join(", ", of(key.spec(), key.usage()).stream().map(Enum::name).toList()) + ")",
                    Map.of("key_spec", key.spec().name(), "key_usage", key.usage().name()));
        }
    }

    private static String describe(DataOperation operation) {
        return switch (operation) {
            case WRAP -> "wrap";
            case UNWRAP -> "unwrap";
            case GENERATE_DATA_KEY -> "generate data keys";
            case REWRAP -> "rewrap";
            case DECRYPT -> "decrypt (AsymmetricDecrypt)";
            case SIGN -> "sign";
            case VERIFY -> "verify";
            case GET_PUBLIC_KEY -> "give a public key";
        };
    }
}
