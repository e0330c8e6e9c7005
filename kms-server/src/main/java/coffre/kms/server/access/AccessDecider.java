package coffre.kms.server.access;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyAccessPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides, on every data-plane call, whether a caller may use a key: after the service-level gate
 * ({@code AccessControl}), before any HSM work. Reads only memory (the key's validated policy and
 * the {@link GrantRegistry}) and allocates nothing when the call is allowed.
 *
 * <p>The caller is authorised by a policy rule that matches it and lists the operation, or else by
 * a live grant for that exact principal on that key that lists the operation. The context must
 * then meet the policy's required context and, when only grants authorise, the constraints of at
 * least one of those grants. An unauthorised caller learns nothing about context requirements.
 * Error messages name context keys (which come from the policy or grant), never context values.
 */
public final class AccessDecider {
    private final GrantRegistry grants;

    public AccessDecider(GrantRegistry grants) {
        this.grants = Objects.requireNonNull(grants, "grants");
    }

    /**
     * @param keyId   the resolved key id (never an alias: grants are bound to the id)
     * @param context the caller's encryption context pairs, as validated into its
     *                {@code EncryptionContext}; null means empty
     * @param now     the time of the call, for grants' windows
     * @throws KmsException {@link ErrorReason#PERMISSION_DENIED} when no rule or live grant allows
     *                      the operation; {@link ErrorReason#CONTEXT_NOT_ALLOWED} with
     *                      {@code metadata.context_key} when the context misses a requirement
     */
    public void check(Principal caller, DataOperation op, KeyAccessPolicy policy, String keyId,
                      Map<String, String> context, Instant now) {
        if (policy.allows(caller, op)) {
            requirePolicyContext(policy, context);
            return;
        }
        List<GrantRecord> candidates = grants.unrevokedFor(keyId, caller);
        GrantRecord authorising = null;
        for (int i = 0; i < candidates.size(); i++) {
            GrantRecord grant = candidates.get(i);
            if (grant.operations().contains(op) && grant.isLiveAt(now)) {
                if (grant.constraintsMetBy(context)) {
                    requirePolicyContext(policy, context);
                    return;
                }
                authorising = grant;
            }
        }
        if (authorising == null) {
            throw new KmsException(ErrorReason.PERMISSION_DENIED,
                    "principal " + caller + " may not perform " + op + " with key " + keyId);
        }
        // The policy's requirements are reported first: they apply to every caller.
        requirePolicyContext(policy, context);
        throw contextNotAllowed(authorising.firstUnmetConstraint(context), "the grant");
    }

    private static void requirePolicyContext(KeyAccessPolicy policy, Map<String, String> context) {
        KeyAccessPolicy.Requirement unmet = policy.firstUnmet(context);
        if (unmet != null) {
            throw contextNotAllowed(unmet.key(), "the key's policy");
        }
    }

    private static KmsException contextNotAllowed(String key, String source) {
        return new KmsException(ErrorReason.CONTEXT_NOT_ALLOWED,
                "the encryption context lacks the pair \"" + key + "\" with a value " + source + " allows",
                Map.of("context_key", key));
    }
}
