package coffre.kms.server.xks;

/**
 * A parsed Decrypt request ({@code POST .../keys/{externalKeyId}/decrypt}): what AWS KMS kept from
 * an Encrypt answer, sent back. Only the form of the JSON is checked here; lengths and the
 * metadata are checked by {@link XksAesGcm#checkDecrypt}, after the key lookup and authorization.
 * An optional member that was absent is an empty array (absent and empty are the same in the spec).
 *
 * @param requestMetadata             the caller, checked for Decrypt
 * @param ciphertext                  the decoded {@code ciphertext}
 * @param ciphertextMetadata          the decoded {@code ciphertextMetadata}, empty when absent
 * @param additionalAuthenticatedData the decoded {@code additionalAuthenticatedData}, empty when absent
 * @param initializationVector        the decoded {@code initializationVector}
 * @param authenticationTag           the decoded {@code authenticationTag}
 */
public record XksDecryptRequest(XksRequestMetadata requestMetadata, byte[] ciphertext, byte[] ciphertextMetadata,
                                byte[] additionalAuthenticatedData, byte[] initializationVector,
                                byte[] authenticationTag) {
    public XksDecryptRequest {
        if (requestMetadata == null || ciphertext == null || ciphertextMetadata == null
                || additionalAuthenticatedData == null || initializationVector == null || authenticationTag == null) {
            throw new IllegalArgumentException("a decrypt request has every field, the optional ones maybe empty");
        }
    }

    /** The ciphertext followed by the tag, as JCE-style AES-GCM (and Coffre's HSM port) takes them. */
    public byte[] ciphertextAndTag() {
        byte[] joined = new byte[ciphertext.length + authenticationTag.length];
        System.arraycopy(ciphertext, 0, joined, 0, ciphertext.length);
        System.arraycopy(authenticationTag, 0, joined, ciphertext.length, authenticationTag.length);
        return joined;
    }

    /** Sizes only. */
    @Override
    public String toString() {
        return "XksDecryptRequest[" + requestMetadata + ", ciphertext " + ciphertext.length + " bytes, metadata "
                + ciphertextMetadata.length + ", aad " + additionalAuthenticatedData.length + ", iv "
                + initializationVector.length + ", tag " + authenticationTag.length + "]";
    }
}
