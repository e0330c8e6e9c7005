package coffre.kms.server.keystores;

import java.time.Instant;

/** One SigV4 credential of a key store; its secret exists only in the HSM (and at AWS). */
public record XksCredential(String keyStoreId, String accessKeyId, State state, Instant createTime) {
    public enum State { PENDING, ACTIVE, REVOKED }
}
