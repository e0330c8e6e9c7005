package coffre.kms.server.access;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
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
     *                      the operation, or a DENY rule refuses it; {@link ErrorReason#CONTEXT_NOT_ALLOWED}
     *                      with {@code metadata.context_key} when the context misses a requirement
     */
    public void check(Principal caller, DataOperation op, KeyAccessPolicy policy, String keyId,
                      Map<String, String> context, Instant now) {
        AccessRefusal refusal = refusal(caller, op, policy, keyId, context, null, now);
        if (refusal != null) {
            throw new KmsException(ErrorReason.PERMISSION_DENIED, refusal.message());
        }
    }

    /**
     * As {@link #check}, for a call that may carry request metadata (secondary authorization), with
     * the refusal returned rather than thrown so the edge can tell its kinds apart.
     *
     * @param request the call's request metadata, or null for a call that carries none
     * @return null when allowed, else why not
     * @throws KmsException {@link ErrorReason#CONTEXT_NOT_ALLOWED} as {@link #check} does
     */
    public AccessRefusal refusal(Principal caller, DataOperation op, KeyAccessPolicy policy, String keyId,
                                 Map<String, String> context, RequestMetadata request, Instant now) {
        KeyAccessPolicy.Verdict verdict = policy.decide(caller, op, request);
        if (verdict == KeyAccessPolicy.Verdict.DENIED) {
            // Deny wins over grants too: a grant cannot reopen what a DENY rule closes.
            String rule = policy.denyingRule(caller, op, request).orElse("a rule");
            return new AccessRefusal(AccessRefusal.Kind.DENIED_BY_RULE, "principal " + caller + " may not perform "
                    + op + " with key " + keyId + ": refused by " + rule, rule);
        }
        if (verdict == KeyAccessPolicy.Verdict.ALLOWED) {
            requirePolicyContext(policy, context);
            return null;
        }
        List<GrantRecord> candidates = grants.unrevokedFor(keyId, caller);
        GrantRecord authorising = null;
        for (int i = 0; i < candidates.size(); i++) {
            GrantRecord grant = candidates.get(i);
            if (grant.operations().contains(op) && grant.isLiveAt(now)) {
                if (grant.constraintsMetBy(context)) {
                    requirePolicyContext(policy, context);
                    return null;
                }
                authorising = grant;
            }
        }
        if (authorising == null) {
            return verdict == KeyAccessPolicy.Verdict.CONDITIONS_UNMET
                    ? new AccessRefusal(AccessRefusal.Kind.CONDITIONS_UNMET, "principal " + caller + " may not perform "
                            + op + " with key " + keyId + ": the conditions of its rules do not hold for this request")
                    : new AccessRefusal(AccessRefusal.Kind.NOT_PERMITTED,
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
