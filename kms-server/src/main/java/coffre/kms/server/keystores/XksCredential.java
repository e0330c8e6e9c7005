package coffre.kms.server.keystores;

import java.time.Instant;
import java.util.Objects;

/**
 * One SigV4 credential of a key store, named by its access key id; its secret exists only in the
 * HSM (as the HMAC key {@code "AWS4" + secret}) and at AWS. Only an {@link State#ACTIVE} credential
 * authenticates: it becomes active when officers approve it, and a revocation is final.
 *
 * @param keyStoreId the store it authenticates for; while the store's own creation waits for
 *                   approval, the store does not exist yet
 */
public record XksCredential(String keyStoreId, String accessKeyId, State state, Instant createTime) {

    public enum State { PENDING, ACTIVE, REVOKED }

    public XksCredential {
        Objects.requireNonNull(keyStoreId, "keyStoreId");
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createTime, "createTime");
    }

    /** The same credential in {@code newState}. */
    public XksCredential withState(State newState) {
        return new XksCredential(keyStoreId, accessKeyId, newState, createTime);
    }
}
