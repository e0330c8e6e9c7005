/**
 * External key stores (AWS KMS XKS): the domain behind the XKS proxy API. A key store is what AWS
 * KMS connects to — one {@code XksProxyUriPath}, the AWS Region whose KMS calls it, and at most two
 * active SigV4 credentials — and it maps external key ids to Coffre's AES-256 keys.
 *
 * <ul>
 *   <li>{@link coffre.kms.server.keystores.ExternalKeyStores}: the administration (what may be
 *       asked, approved, cut off), for every edge that administers stores;</li>
 *   <li>{@link coffre.kms.server.keystores.KeyStoreRegistry}: the in-memory view the XKS edge reads
 *       on every call, as the {@link coffre.kms.server.keystores.ExternalKeyStoreDirectory} of the
 *       contract between this package and {@code xks/}, kept in step across the cluster;</li>
 *   <li>{@link coffre.kms.server.keystores.ExternalKeyStoreRepository}: the port to the store
 *       (JDBC adapter in {@code store/});</li>
 *   <li>credentials: made here ({@link coffre.kms.server.keystores.XksCredentialRules}), their
 *       secret imported into the HSM as a non-extractable HMAC key and handed out once
 *       ({@link coffre.kms.server.keystores.NewCredential}); SigV4's date key is computed in the HSM.</li>
 * </ul>
 *
 * <p>A core package: no gRPC, Vert.x, SQL or generated RPC message here (the ArchUnit test holds
 * it). The XKS edge depends on this package, never the reverse.
 */
package coffre.kms.server.keystores;
