package coffre.kms.server.access;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.LiveKey;
import java.util.Map;

/**
 * Decides whether a caller may use a key for a data-plane operation with this encryption context:
 * the key's access policy and the caller's live grants. Runs on every call, from memory.
 */
@FunctionalInterface
public interface DataAccessPolicy {

    /**
     * @throws KmsException {@link ErrorReason#PERMISSION_DENIED} or
     *                      {@link ErrorReason#CONTEXT_NOT_ALLOWED} when not allowed
     */
    void check(Principal caller, DataOperation operation, LiveKey key, Map<String, String> context);
}
