package coffre.kms.server.access;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import coffre.kms.server.keys.LiveKey;

/**
 * Decides whether a caller that relays request metadata (an AWS external key store) may use a key
 * for an operation: the key's access policy, its conditions and DENY rules, and live grants, as
 * {@link DataAccessPolicy} decides for gRPC callers. Such calls carry no encryption context, so a
 * key whose policy requires one is refused with {@code CONTEXT_NOT_ALLOWED}. Runs on every call,
 * from memory.
 */
@FunctionalInterface
public interface RequestAccessPolicy {

    /**
     * @return null when allowed, else why not
     * @throws coffre.kms.server.domain.KmsException {@code CONTEXT_NOT_ALLOWED} when the key's
     *         policy requires an encryption context
     */
    AccessRefusal refusal(Principal caller, DataOperation operation, LiveKey key, RequestMetadata request);
}
