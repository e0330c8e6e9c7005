package coffre.kms.loadtest;

/**
 * What an XKS Encrypt answered, kept for a Decrypt call, as AWS KMS keeps it in its ciphertext
 * blob: the members in the Base64 the proxy sent (passed back untouched).
 *
 * @param keyId               the external key id it was made under
 * @param ciphertextMetadata  null when the answer had none
 */
record XksCiphertext(String keyId, String ciphertext, String ciphertextMetadata, String initializationVector,
                     String authenticationTag) {
}
