/**
 * The AWS KMS External Key Store (XKS) edge: the HTTPS listener AWS KMS calls and everything the
 * XKS Proxy API specification (v1.0.x, {@code xks_proxy_api_spec.md} of aws/aws-kms-xksproxy-api-spec)
 * fixes byte for byte, mapped to domain calls ({@code crypto.ExternalKeyCrypto}, the key-store
 * directory of {@code keystores}, the audit log). docs/xks.md describes it for operators.
 *
 * <p>One request goes through these pieces in this order (the order the AWS test client expects):
 * <ol>
 *   <li>{@link coffre.kms.server.xks.XksServer} (TLS, mutual TLS, HTTP/2 and HTTP/1.1, the body
 *       limit) and {@link coffre.kms.server.xks.XksEndpoint} (the order below, deadlines, admission,
 *       the audit event of every request);</li>
 *   <li>{@link coffre.kms.server.xks.XksPaths}: the path and method → {@link coffre.kms.server.xks.XksRoute}
 *       (404 {@code InvalidUriPathException}, 405);</li>
 *   <li>the key store by the route's URI path (unknown → 404 {@code InvalidUriPathException});</li>
 *   <li>{@link coffre.kms.server.xks.SigV4Verifier} over the raw bytes received (401), one per
 *       store ({@link coffre.kms.server.xks.XksVerifiers});</li>
 *   <li>one {@link coffre.kms.server.xks.XksHandler} per endpoint: {@link coffre.kms.server.xks.XksRequests}
 *       (the JSON body: 400 {@code ValidationException}), the key, its state, secondary authorization
 *       and usage through the domain, {@link coffre.kms.server.xks.XksAesGcm} (size limits (501), the
 *       AAD bound into AES-GCM, the {@link coffre.kms.server.xks.XksCiphertextMetadata} that names the
 *       key version, the integrity value);</li>
 *   <li>the response records' {@code toJson()}, or {@link coffre.kms.server.xks.XksException#toJsonBody()};
 *       domain failures mapped by {@link coffre.kms.server.xks.XksErrors}.</li>
 * </ol>
 *
 * <p>Nothing here logs a request value. Plaintext travels only in {@link coffre.kms.server.domain.SecretBytes};
 * exception messages are safe to send to AWS, which writes them to the customer's CloudWatch Logs.
 */
package coffre.kms.server.xks;
