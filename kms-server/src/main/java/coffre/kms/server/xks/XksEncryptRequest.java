package coffre.kms.server.xks;

import coffre.kms.server.domain.SecretBytes;

/**
 * A parsed Encrypt request ({@code POST .../keys/{externalKeyId}/encrypt}). The plaintext (a data
 * key, for GenerateDataKey) is held redacted and zeroed by {@link #close()}: use the request in a
 * try-with-resources block. Sizes are checked later, by {@link XksAesGcm#checkEncrypt}, after the
 * key lookup and authorization.
 *
 * @param requestMetadata               the caller, checked for Encrypt
 * @param plaintext                     the decoded {@code plaintext}, never empty
 * @param additionalAuthenticatedData   the decoded {@code additionalAuthenticatedData}; empty when
 *                                      absent (the spec treats absent and empty alike)
 * @param integrityValueRequested       whether {@code ciphertextDataIntegrityValueAlgorithm} was
 *                                      {@code SHA_256}: the answer must then carry the CDIV
 */
public record XksEncryptRequest(XksRequestMetadata requestMetadata, SecretBytes plaintext,
                                byte[] additionalAuthenticatedData, boolean integrityValueRequested)
        implements AutoCloseable {
    public XksEncryptRequest {
        if (requestMetadata == null || plaintext == null || additionalAuthenticatedData == null) {
            throw new IllegalArgumentException("an encrypt request has metadata, a plaintext and an AAD (maybe empty)");
        }
    }

    /** Zeroes the plaintext. */
    @Override
    public void close() {
        plaintext.close();
    }

    /** Sizes only: the plaintext never prints. */
    @Override
    public String toString() {
        return "XksEncryptRequest[" + requestMetadata + ", plaintext " + plaintext.length() + " bytes, aad "
                + additionalAuthenticatedData.length + " bytes, integrityValue " + integrityValueRequested + "]";
    }
}
