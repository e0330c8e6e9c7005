/**
 * The protocol core of the AWS KMS External Key Store (XKS) edge: what the XKS Proxy API
 * specification (v1.0.x, {@code xks_proxy_api_spec.md} of aws/aws-kms-xksproxy-api-spec) fixes
 * byte for byte, kept apart from the HTTP listener, the key-store domain and the HSM so that each
 * rule is unit-tested on its own and the wiring stays thin.
 *
 * <p>One request goes through these pieces in this order (the order the AWS test client expects):
 * <ol>
 *   <li>{@link coffre.kms.server.xks.XksPaths}: the path and method → {@link coffre.kms.server.xks.XksRoute}
 *       (404 {@code InvalidUriPathException}, 405);</li>
 *   <li>the key store is looked up by the route's URI prefix (unknown → 404 {@code InvalidUriPathException});</li>
 *   <li>{@link coffre.kms.server.xks.SigV4Verifier} over the raw bytes received (401);</li>
 *   <li>{@link coffre.kms.server.xks.XksRequests}: the JSON body (400 {@code ValidationException});</li>
 *   <li>key lookup, state and secondary authorization (outside this package);</li>
 *   <li>{@link coffre.kms.server.xks.XksAesGcm}: size limits (501), the AAD bound into AES-GCM, the
 *       {@link coffre.kms.server.xks.XksCiphertextMetadata} that names the key version, the
 *       integrity value;</li>
 *   <li>the response records' {@code toJson()}, or {@link coffre.kms.server.xks.XksException#toJsonBody()}.</li>
 * </ol>
 *
 * <p>Nothing here logs. Plaintext travels only in {@link coffre.kms.server.domain.SecretBytes};
 * exception messages are safe to send to AWS, which writes them to the customer's CloudWatch Logs.
 */
package coffre.kms.server.xks;
