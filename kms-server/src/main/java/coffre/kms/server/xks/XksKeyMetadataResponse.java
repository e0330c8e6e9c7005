package coffre.kms.server.xks;

/**
 * The GetKeyMetadata answer. Every Coffre key is an AES-256 key usable to encrypt and decrypt, so
 * {@code keySpec} is {@code AES_256} and {@code keyUsage} {@code ["ENCRYPT","DECRYPT"]} (what AWS KMS
 * requires to create a KMS key over it); only the status varies.
 *
 * @param keyStatus {@link KeyStatus#DISABLED} when the key or its mapping is disabled (then Encrypt
 *                  and Decrypt answer {@code InvalidStateException})
 */
public record XksKeyMetadataResponse(KeyStatus keyStatus) {
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

    /** The compact JSON body. */
    public byte[] toJson() {
        return XksJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("keySpec", KEY_SPEC);
            g.writeArrayFieldStart("keyUsage");
            g.writeString("ENCRYPT");
            g.writeString("DECRYPT");
            g.writeEndArray();
            g.writeStringField("keyStatus", keyStatus.name());
            g.writeEndObject();
        });
    }
}
