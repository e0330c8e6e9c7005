package coffre.kms.server.crypto;

import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyMetadata;

/**
 * Break-glass RSA keys: an {@code AsymmetricDecrypt} proceeds only once officers have approved that
 * exact decryption (key version and ciphertext) for that caller, as {@link UnwrapApprovals} does
 * for unwraps.
 */
@FunctionalInterface
public interface DecryptApprovals {

    /**
     * Returns when this decryption may proceed (using up its approval); otherwise creates or finds
     * the approval request for it and throws {@code APPROVAL_REQUIRED} naming it in
     * {@code metadata.approval_request_id}.
     */
    void authorize(Principal caller, KeyMetadata key, int version, byte[] ciphertext);
}
