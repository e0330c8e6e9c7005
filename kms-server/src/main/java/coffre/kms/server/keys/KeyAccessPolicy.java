package coffre.kms.server.keys;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.PrincipalNames;
import coffre.kms.server.domain.RequestMetadata;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A key's access policy, validated once when it is set or loaded, so the per-call check does no
 * parsing: who may use the key ({@link PolicyRule}s of principal patterns and operations, maybe
 * with conditions on the request metadata and a DENY effect) and what every call's encryption
 * context must hold ({@link Requirement}s). The empty policy allows nobody.
 *
 * <p>How rules decide ({@link #decide}): a DENY rule that applies refuses, whatever else allows
 * (deny wins); otherwise an ALLOW rule that applies allows. A rule with conditions applies only to
 * a call that carries request metadata (an XKS call) on which every condition holds, so a gRPC
 * call never meets one: a DENY rule with conditions never refuses it, an ALLOW rule with
 * conditions never allows it. A rule without conditions applies to every call alike.
 *
 * <p>The policy is also kept {@link #written() as written}: principals, operations and allowed
 * values in the order given, repeats included, so a key shows and stores exactly the policy
 * officers approved. Equality is that of the written form.
 *
 * <p>Lives with the key metadata that holds it; the access package decides with it.
 */
public final class KeyAccessPolicy {
    public static final int MAX_RULES = 64;
    public static final int MAX_PRINCIPALS_PER_RULE = 64;
    public static final int MAX_CONTEXT_REQUIREMENTS = 32;
    public static final int MAX_ALLOWED_VALUES = 32;
    /** For principal patterns, context keys and allowed values. */
    public static final int MAX_STRING_CHARS = 256;
    /** One condition per request attribute at most. */
    public static final int MAX_CONDITIONS_PER_RULE = coffre.kms.server.domain.RequestMetadata.Attribute.values().length;

    /**
     * What {@link #decide} found: allowed by a rule; refused by a DENY rule; named by an ALLOW rule
     * for the operation whose conditions do not hold; or named by no ALLOW rule for the operation.
     */
    public enum Verdict { ALLOWED, DENIED, CONDITIONS_UNMET, NO_RULE }

    /** Allows nobody: the policy of a key created without one. */
    public static final KeyAccessPolicy EMPTY = new KeyAccessPolicy(Written.NONE, List.of(), List.of(), null);

    /**
     * A policy as a caller writes it, not yet validated: what an edge maps its wire form to, and
     * what the key shows and the store keeps. Operations are named (see {@link DataOperation#named}).
     */
    public record Written(List<WrittenRule> rules, List<WrittenRequirement> requiredContext) {
        static final Written NONE = new Written(List.of(), List.of());

        public Written {
            rules = List.copyOf(rules);
            requiredContext = List.copyOf(requiredContext);
        }
    }

    /**
     * A rule as written: exact principal names or globs, operation names, conditions on the
     * request metadata (none: the rule applies to every call) and the effect's name
     * ({@code ALLOW} or {@code DENY}; a wire format's unknown value is passed as its digits, to be
     * refused).
     */
    public record WrittenRule(List<String> principals, List<String> operations, List<WrittenCondition> conditions,
                              String effect) {
        public WrittenRule {
            principals = List.copyOf(principals);
            operations = List.copyOf(operations);
            conditions = List.copyOf(conditions);
            Objects.requireNonNull(effect, "effect");
        }

        /** An unconditional ALLOW rule (the only kind before request conditions existed). */
        public WrittenRule(List<String> principals, List<String> operations) {
            this(principals, operations, List.of(), PolicyRule.Effect.ALLOW.name());
        }
    }

    /** A condition as written: an attribute name (e.g. {@code kms_via_service}) and its values or globs. */
    public record WrittenCondition(String attribute, List<String> values) {
        public WrittenCondition {
            Objects.requireNonNull(attribute, "attribute");
            values = List.copyOf(values);
        }
    }

    /** A context requirement as written. */
    public record WrittenRequirement(String key, List<String> allowedValues) {
        public WrittenRequirement {
            Objects.requireNonNull(key, "key");
            allowedValues = List.copyOf(allowedValues);
        }
    }

    private final Written written;
    private final List<PolicyRule> rules;
    /** The DENY rules among {@link #rules}, apart, so a policy without one costs nothing more per call. */
    private final List<PolicyRule> denyRules;
    private final List<Requirement> requiredContext;
    /** Set only for a stored policy that no longer validates (see {@link #asStored}). */
    private final KmsException invalid;

    private KeyAccessPolicy(Written written, List<PolicyRule> rules, List<Requirement> requiredContext,
                            KmsException invalid) {
        this.written = written;
        this.rules = rules;
        this.denyRules = rules.stream().filter(r -> r.effect() == PolicyRule.Effect.DENY).toList();
        this.requiredContext = requiredContext;
        this.invalid = invalid;
    }

    /**
     * Validates a policy from a caller.
     *
     * @throws KmsException {@link ErrorReason#INVALID_POLICY}, {@code metadata.field} naming the
     *                      offending field (e.g. {@code rules[2].principals[0]}) and, for a
     *                      limit, {@code metadata.limit}
     */
    public static KeyAccessPolicy of(Written policy) {
        if (policy.rules().isEmpty() && policy.requiredContext().isEmpty()) {
            return EMPTY;
        }
        if (policy.rules().size() > MAX_RULES) {
            throw tooMany("rules", MAX_RULES, "rules");
        }
        List<PolicyRule> rules = new ArrayList<>(policy.rules().size());
        for (int i = 0; i < policy.rules().size(); i++) {
            rules.add(PolicyRule.of(policy.rules().get(i), "rules[" + i + "]"));
        }
        if (policy.requiredContext().size() > MAX_CONTEXT_REQUIREMENTS) {
            throw tooMany("required_context", MAX_CONTEXT_REQUIREMENTS, "context requirements");
        }
        List<Requirement> required = new ArrayList<>(policy.requiredContext().size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < policy.requiredContext().size(); i++) {
            Requirement requirement = Requirement.of(policy.requiredContext().get(i), "required_context[" + i + "]");
            if (!seen.add(requirement.key())) {
                throw invalid("required_context[" + i + "].key",
                        "each context key may be required only once; merge the allowed values instead");
            }
            required.add(requirement);
        }
        return new KeyAccessPolicy(policy, List.copyOf(rules), List.copyOf(required), null);
    }

    /**
     * A policy read back from the store. One that no longer validates (set before a rule was
     * tightened, e.g. the one spelling of principals) is kept as written, so its key still loads,
     * shows it and can be given another; every check against it is refused with the validation
     * error, which {@link #decide}, {@link #allows} and {@link #firstUnmet} throw.
     */
    public static KeyAccessPolicy asStored(Written policy) {
        try {
            return of(policy);
        } catch (KmsException e) {
            return new KeyAccessPolicy(policy, List.of(), List.of(), e);
        }
    }

    public Written written() {
        return written;
    }

    public List<PolicyRule> rules() {
        return rules;
    }

    public List<Requirement> requiredContext() {
        return requiredContext;
    }

    /**
     * Whether a rule allows the principal the operation on a call without request metadata (a
     * gRPC call), and no DENY rule refuses it.
     */
    public boolean allows(Principal principal, DataOperation operation) {
        return decide(principal, operation, null) == Verdict.ALLOWED;
    }

    /**
     * What the rules say of {@code principal} doing {@code operation}; allocates nothing.
     *
     * @param request the call's request metadata, or null for a call that carries none (gRPC)
     */
    public Verdict decide(Principal principal, DataOperation operation, RequestMetadata request) {
        requireValid();
        for (int i = 0; i < denyRules.size(); i++) {
            if (applies(denyRules.get(i), principal, operation, request)) {
                return Verdict.DENIED;
            }
        }
        boolean named = false;
        for (int i = 0; i < rules.size(); i++) {
            PolicyRule rule = rules.get(i);
            if (rule.effect() == PolicyRule.Effect.ALLOW && rule.operations().contains(operation)
                    && rule.matches(principal)) {
                if (rule.conditionsHold(request)) {
                    return Verdict.ALLOWED;
                }
                named = true;
            }
        }
        return named ? Verdict.CONDITIONS_UNMET : Verdict.NO_RULE;
    }

    /**
     * The field name of the first DENY rule that refuses the call (e.g. {@code rules[3]}), or
     * empty: for the refusal's message and audit record, which must name the statement responsible.
     */
    public Optional<String> denyingRule(Principal principal, DataOperation operation, RequestMetadata request) {
        requireValid();
        for (int i = 0; i < rules.size(); i++) {
            PolicyRule rule = rules.get(i);
            if (rule.effect() == PolicyRule.Effect.DENY && applies(rule, principal, operation, request)) {
                return Optional.of("rules[" + i + "]");
            }
        }
        return Optional.empty();
    }

    private static boolean applies(PolicyRule rule, Principal principal, DataOperation operation,
                                   RequestMetadata request) {
        return rule.operations().contains(operation) && rule.matches(principal) && rule.conditionsHold(request);
    }

    /**
     * The first requirement the context does not meet, or null when it meets them all. A
     * {@code null} context is the empty one.
     */
    public Requirement firstUnmet(Map<String, String> context) {
        requireValid();
        for (int i = 0; i < requiredContext.size(); i++) {
            Requirement requirement = requiredContext.get(i);
            if (!requirement.isMetBy(context)) {
                return requirement;
            }
        }
        return null;
    }

    private void requireValid() {
        if (invalid != null) {
            throw new KmsException(invalid.reason(), invalid.getMessage(), invalid.metadata());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyAccessPolicy other && written.equals(other.written);
    }

    @Override
    public int hashCode() {
        return written.hashCode();
    }

    @Override
    public String toString() {
        return "KeyAccessPolicy[rules=" + written.rules() + ", requiredContext=" + written.requiredContext() + "]";
    }

    /**
     * The encryption context must hold {@code key}; if {@code allowedValues} is not empty, with one
     * of them. Keys and values are the caller's own, so they are matched exactly and not restricted
     * beyond their length.
     */
    public record Requirement(String key, Set<String> allowedValues) {
        public Requirement {
            Objects.requireNonNull(key, "key");
            allowedValues = Collections.unmodifiableSet(new LinkedHashSet<>(allowedValues));
        }

        static Requirement of(WrittenRequirement written, String field) {
            String key = written.key();
            if (key.isEmpty()) {
                throw invalid(field + ".key", "a context requirement names a non-empty key");
            }
            if (key.length() > MAX_STRING_CHARS) {
                throw tooLong(field + ".key");
            }
            List<String> values = written.allowedValues();
            if (values.size() > MAX_ALLOWED_VALUES) {
                throw tooMany(field + ".allowed_values", MAX_ALLOWED_VALUES, "allowed values");
            }
            for (int j = 0; j < values.size(); j++) {
                if (values.get(j).length() > MAX_STRING_CHARS) {
                    throw tooLong(field + ".allowed_values[" + j + "]");
                }
            }
            return new Requirement(key, new LinkedHashSet<>(values));
        }

        public boolean isMetBy(Map<String, String> context) {
            String value = context == null ? null : context.get(key);
            return value != null && (allowedValues.isEmpty() || allowedValues.contains(value));
        }
    }

    /** Shared with grants: a principal text is non-blank, bounded and free of control characters. */
    public static void checkPrincipalText(String text, String field, ErrorReason reason) {
        if (text.isBlank()) {
            throw new KmsException(reason, field + " must not be blank", Map.of("field", field));
        }
        if (text.length() > MAX_STRING_CHARS) {
            throw new KmsException(reason, field + " is longer than " + MAX_STRING_CHARS + " characters",
                    Map.of("field", field, "limit", Integer.toString(MAX_STRING_CHARS)));
        }
        PrincipalNames.problem(text).ifPresent(problem -> {
            throw new KmsException(reason, field + " " + problem, Map.of("field", field));
        });
    }

    static KmsException invalid(String field, String message) {
        return new KmsException(ErrorReason.INVALID_POLICY, field + ": " + message, Map.of("field", field));
    }

    static KmsException tooMany(String field, int limit, String what) {
        return new KmsException(ErrorReason.INVALID_POLICY, field + ": at most " + limit + " " + what,
                Map.of("field", field, "limit", Integer.toString(limit)));
    }

    private static KmsException tooLong(String field) {
        return tooLong(field, MAX_STRING_CHARS);
    }

    static KmsException tooLong(String field, int limit) {
        return new KmsException(ErrorReason.INVALID_POLICY, field + " is longer than " + limit + " characters",
                Map.of("field", field, "limit", Integer.toString(limit)));
    }
}
