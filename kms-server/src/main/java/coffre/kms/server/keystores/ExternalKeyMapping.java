package coffre.kms.server.keystores;

import coffre.kms.server.keys.KeyId;
import java.time.Instant;
import java.util.Objects;

/**
 * An external key id of a store (the XKS spec's {@code keyId} in URLs), standing for a Coffre key:
 * every Coffre key is AES-256 in the HSM, as the XKS API requires. One external key id of a store
 * maps to exactly one key; one key may be mapped by several stores.
 */
public record ExternalKeyMapping(String keyStoreId, String externalKeyId, KeyId keyId, Instant createTime) {

    public ExternalKeyMapping {
        Objects.requireNonNull(keyStoreId, "keyStoreId");
        Objects.requireNonNull(externalKeyId, "externalKeyId");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(createTime, "createTime");
    }
}
