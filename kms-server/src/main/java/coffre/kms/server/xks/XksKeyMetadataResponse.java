package coffre.kms.server.xks;

/**
 * The GetKeyMetadata answer. Every Coffre key is an AES-256 key, so {@code keySpec} is
 * {@code AES_256}; {@code keyUsage} lists what the key's policy lets the key store do with it
 * ({@code ENCRYPT} for WRAP, {@code DECRYPT} for UNWRAP): AWS KMS requires both to create a KMS
 * key over it.
 *
 * @param keyStatus {@link KeyStatus#DISABLED} when the key or its key store is disabled (then
 *                  Encrypt and Decrypt answer {@code InvalidStateException})
 * @param encrypt   whether {@code keyUsage} lists {@code ENCRYPT}
 * @param decrypt   whether {@code keyUsage} lists {@code DECRYPT}
 */
public record XksKeyMetadataResponse(KeyStatus keyStatus, boolean encrypt, boolean decrypt) {
    public static final String KEY_SPEC = "AES_256";

    /** The spec's {@code keyStatus} values. */
    public enum KeyStatus {
        ENABLED, DISABLED
    }

    public XksKeyMetadataResponse {
        if (keyStatus == null) {
            throw new IllegalArgumentException("a key metadata answer has a key status");
        }
    }

    /** A key usable both ways. */
    public XksKeyMetadataResponse(KeyStatus keyStatus) {
        this(keyStatus, true, true);
    }

    /** The compact JSON body. */
    public byte[] toJson() {
        return XksJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("keySpec", KEY_SPEC);
            g.writeArrayFieldStart("keyUsage");
            if (encrypt) {
                g.writeString("ENCRYPT");
            }
            if (decrypt) {
                g.writeString("DECRYPT");
            }
            g.writeEndArray();
            g.writeStringField("keyStatus", keyStatus.name());
            g.writeEndObject();
        });
    }
}
