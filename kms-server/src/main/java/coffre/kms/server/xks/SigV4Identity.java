package coffre.kms.server.xks;

import java.time.Instant;

/**
 * Who signed a request that {@link SigV4Verifier} accepted: the access key id (which of the key
 * store's credential pairs, for the audit) and the signing time ({@code X-Amz-Date}).
 */
public record SigV4Identity(String accessKeyId, Instant signedAt) {
}
