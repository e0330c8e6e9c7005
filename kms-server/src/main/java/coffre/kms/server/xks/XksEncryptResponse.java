package coffre.kms.server.xks;

import java.util.Arrays;

/**
 * The Encrypt answer (spec, "Encrypt" response): everything AWS KMS will keep in its ciphertext
 * blob and send back to Decrypt. Build it with {@link XksAesGcm#encryptResponse}.
 *
 * @param ciphertext                   the ciphertext, the plaintext's length
 * @param ciphertextMetadata           Coffre's metadata ({@link XksCiphertextMetadata}); omitted from
 *                                     the JSON when empty
 * @param initializationVector         the 12-byte IV
 * @param authenticationTag            the 16-byte tag
 * @param ciphertextDataIntegrityValue the SHA-256 integrity value, or null when not requested (the
 *                                     member is then absent, as the spec requires)
 */
public record XksEncryptResponse(byte[] ciphertext, byte[] ciphertextMetadata, byte[] initializationVector,
                                 byte[] authenticationTag, byte[] ciphertextDataIntegrityValue) {
    public XksEncryptResponse {
        if (ciphertext == null || ciphertextMetadata == null || initializationVector == null
                || authenticationTag == null) {
            throw new IllegalArgumentException("an encrypt answer has a ciphertext, metadata (maybe empty), an IV and a tag");
        }
        if (ciphertextMetadata.length > XksCiphertextMetadata.MAX_LENGTH) {
            throw new IllegalArgumentException("AWS KMS refuses ciphertextMetadata over 20 bytes");
        }
    }

    /** The compact JSON body, members in the spec's names, values in padded standard Base64. */
    public byte[] toJson() {
        return XksJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("ciphertext", XksBase64.encode(ciphertext));
            if (ciphertextMetadata.length > 0) {
                g.writeStringField("ciphertextMetadata", XksBase64.encode(ciphertextMetadata));
            }
            g.writeStringField("initializationVector", XksBase64.encode(initializationVector));
            g.writeStringField("authenticationTag", XksBase64.encode(authenticationTag));
            if (ciphertextDataIntegrityValue != null) {
                g.writeStringField("ciphertextDataIntegrityValue", XksBase64.encode(ciphertextDataIntegrityValue));
            }
            g.writeEndObject();
        });
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XksEncryptResponse other && Arrays.equals(ciphertext, other.ciphertext)
                && Arrays.equals(ciphertextMetadata, other.ciphertextMetadata)
                && Arrays.equals(initializationVector, other.initializationVector)
                && Arrays.equals(authenticationTag, other.authenticationTag)
                && Arrays.equals(ciphertextDataIntegrityValue, other.ciphertextDataIntegrityValue);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ciphertext) * 31 + Arrays.hashCode(authenticationTag);
    }

    @Override
    public String toString() {
        return "XksEncryptResponse[ciphertext " + ciphertext.length + " bytes, metadata " + ciphertextMetadata.length
                + " bytes, integrityValue " + (ciphertextDataIntegrityValue != null) + "]";
    }
}
