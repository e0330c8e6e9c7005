package coffre.kms.server.keystores;

import coffre.kms.server.keys.KeyId;
import java.time.Instant;

/** An external key id of a store, mapped to a Coffre key (AES-256). */
public record ExternalKeyMapping(String keyStoreId, String externalKeyId, KeyId keyId, Instant createTime) { }
