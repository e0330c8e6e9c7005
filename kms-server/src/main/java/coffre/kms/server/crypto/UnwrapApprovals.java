package coffre.kms.server.crypto;

import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyMetadata;

/**
 * Break-glass keys: an unwrap proceeds only once officers have approved that exact unwrap for
 * that caller.
 */
@FunctionalInterface
public interface UnwrapApprovals {

    /**
     * Returns when this unwrap may proceed (using up its approval); otherwise creates or finds the
     * approval request for it and throws {@link ErrorReason#APPROVAL_REQUIRED} naming it.
     */
    void authorize(Principal caller, KeyMetadata key, int version, byte[] envelope, EncryptionContext context);
}
