/**
 * The Microsoft 365 Double Key Encryption (DKE) edge: the HTTPS listener Office clients call to
 * fetch a key's public half and to decrypt the small wrapped key of a document, in the key-service
 * protocol of Microsoft's reference service (docs/dke.md), mapped to domain calls.
 *
 * <p>One request goes through: {@link coffre.kms.server.dke.DkeServer} (TLS, body limit) and
 * {@link coffre.kms.server.dke.DkeEndpoint} (order, deadline, admission, audit);
 * {@link coffre.kms.server.dke.DkePaths} (404, 405); {@link coffre.kms.server.dke.BearerTokens} (the
 * Entra ID token: 401); {@link coffre.kms.server.dke.DkeService} (key name → Coffre key, then the
 * domain through the {@link coffre.kms.server.dke.DkeKeys} port: policy on the token's claims,
 * state, break-glass, HSM); {@link coffre.kms.server.dke.DkeJson} (the wire format);
 * {@link coffre.kms.server.dke.DkeErrors} (reason → status).
 *
 * <p>Nothing here logs a token, a ciphertext or a plaintext; plaintexts travel in
 * {@link coffre.kms.server.domain.SecretBytes} and are zeroed once written.
 */
package coffre.kms.server.dke;
