package coffre.kms.server.keystores;

import coffre.kms.server.keys.KeyId;
import java.util.Optional;

/**
 * The DKE key names the node serves, as the DKE edge reads them: each name stands for one Coffre
 * RSA key, by a mapping the officers approved ({@link DkeKeyMappings}). Read from memory, kept in
 * step with the other nodes by the cluster's change feed.
 */
@FunctionalInterface
public interface DkeKeyNames {
    /** The key {@code keyName} stands for, or empty when the name is not mapped. */
    Optional<KeyId> keyFor(String keyName);
}
