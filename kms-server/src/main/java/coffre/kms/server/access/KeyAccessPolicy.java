package coffre.kms.server.access;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.PrincipalNames;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ContextRequirement;
import coffre.kms.v1.DataOperation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A key's access policy, validated once when it is set or loaded, so the per-call check does no
 * parsing: who may use the key ({@link Rule}s of principal patterns and operations) and what every
 * call's encryption context must hold ({@link Requirement}s). The empty policy allows nobody.
 *
 * <p>{@link #toProto()} gives the canonical form: operations in enum order, duplicate operations
 * and allowed values dropped; principals and requirements in the order given.
 */
public final class KeyAccessPolicy {
    public static final int MAX_RULES = 64;
    public static final int MAX_PRINCIPALS_PER_RULE = 64;
    public static final int MAX_CONTEXT_REQUIREMENTS = 32;
    public static final int MAX_ALLOWED_VALUES = 32;
    /** For principal patterns, context keys and allowed values. */
    public static final int MAX_STRING_CHARS = 256;

    /** Allows nobody: the policy of a key created without one. */
    public static final KeyAccessPolicy EMPTY = new KeyAccessPolicy(List.of(), List.of());

    private final List<Rule> rules;
    private final List<Requirement> requiredContext;

    private KeyAccessPolicy(List<Rule> rules, List<Requirement> requiredContext) {
        this.rules = rules;
        this.requiredContext = requiredContext;
    }

    /**
     * Validates a policy from the API or the store.
     *
     * @throws KmsException {@link ErrorReason#INVALID_POLICY}, {@code metadata.field} naming the
     *                      offending field (e.g. {@code rules[2].principals[0]}) and, for a
     *                      limit, {@code metadata.limit}
     */
    public static KeyAccessPolicy fromProto(AccessPolicy proto) {
        if (proto == null || (proto.getRulesCount() == 0 && proto.getRequiredContextCount() == 0)) {
            return EMPTY;
        }
        if (proto.getRulesCount() > MAX_RULES) {
            throw tooMany("rules", MAX_RULES, "rules");
        }
        List<Rule> rules = new ArrayList<>(proto.getRulesCount());
        for (int i = 0; i < proto.getRulesCount(); i++) {
            rules.add(Rule.of(proto.getRules(i), "rules[" + i + "]"));
        }
        if (proto.getRequiredContextCount() > MAX_CONTEXT_REQUIREMENTS) {
            throw tooMany("required_context", MAX_CONTEXT_REQUIREMENTS, "context requirements");
        }
        List<Requirement> required = new ArrayList<>(proto.getRequiredContextCount());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < proto.getRequiredContextCount(); i++) {
            Requirement requirement = Requirement.of(proto.getRequiredContext(i), "required_context[" + i + "]");
            if (!seen.add(requirement.key())) {
                throw invalid("required_context[" + i + "].key",
                        "each context key may be required only once; merge the allowed values instead");
            }
            required.add(requirement);
        }
        return new KeyAccessPolicy(List.copyOf(rules), List.copyOf(required));
    }

    public AccessPolicy toProto() {
        AccessPolicy.Builder out = AccessPolicy.newBuilder();
        for (Rule rule : rules) {
            out.addRules(rule.toProto());
        }
        for (Requirement requirement : requiredContext) {
            out.addRequiredContext(requirement.toProto());
        }
        return out.build();
    }

    public List<Rule> rules() {
        return rules;
    }

    public List<Requirement> requiredContext() {
        return requiredContext;
    }

    /** Whether a rule names the principal (exactly or by glob) and lists the operation. */
    public boolean allows(Principal principal, DataOperation operation) {
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            if (rule.operations.contains(operation) && rule.matches(principal)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first requirement the context does not meet, or null when it meets them all. A
     * {@code null} context is the empty one.
     */
    public Requirement firstUnmet(Map<String, String> context) {
        for (int i = 0; i < requiredContext.size(); i++) {
            Requirement requirement = requiredContext.get(i);
            if (!requirement.isMetBy(context)) {
                return requirement;
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyAccessPolicy other && rules.equals(other.rules)
                && requiredContext.equals(other.requiredContext);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rules, requiredContext);
    }

    @Override
    public String toString() {
        return "KeyAccessPolicy[rules=" + rules + ", requiredContext=" + requiredContext + "]";
    }

    /**
     * Principals (exact names or globs) allowed some operations. Exact names are kept apart in a
     * hash set so the common case costs one lookup and no regex matcher.
     */
    public static final class Rule {
        private final List<String> principals;
        private final Set<String> exact;
        private final List<PrincipalPattern> globs;
        private final Set<DataOperation> operations;

        private Rule(List<String> principals, Set<String> exact, List<PrincipalPattern> globs,
                     Set<DataOperation> operations) {
            this.principals = principals;
            this.exact = exact;
            this.globs = globs;
            this.operations = operations;
        }

        static Rule of(AccessRule proto, String field) {
            if (proto.getPrincipalsCount() == 0) {
                throw invalid(field + ".principals", "a rule names at least one principal or pattern");
            }
            if (proto.getPrincipalsCount() > MAX_PRINCIPALS_PER_RULE) {
                throw tooMany(field + ".principals", MAX_PRINCIPALS_PER_RULE, "principals in one rule");
            }
            Set<String> exact = new HashSet<>();
            List<PrincipalPattern> globs = new ArrayList<>();
            for (int j = 0; j < proto.getPrincipalsCount(); j++) {
                String text = proto.getPrincipals(j);
                String where = field + ".principals[" + j + "]";
                checkPrincipalText(text, where, ErrorReason.INVALID_POLICY);
                if (text.indexOf('*') >= 0 || text.indexOf('?') >= 0) {
                    globs.add(PrincipalPattern.of(text));
                } else {
                    exact.add(text);
                }
            }
            if (proto.getOperationsCount() == 0) {
                throw invalid(field + ".operations", "a rule lists at least one of " + DataOperations.NAMES);
            }
            Set<DataOperation> operations = EnumSet.noneOf(DataOperation.class);
            for (int j = 0; j < proto.getOperationsCount(); j++) {
                DataOperation op = proto.getOperations(j);
                if (!DataOperations.isValid(op)) {
                    throw invalid(field + ".operations[" + j + "]", "operations are " + DataOperations.NAMES);
                }
                operations.add(op);
            }
            return new Rule(List.copyOf(proto.getPrincipalsList()), Set.copyOf(exact), List.copyOf(globs),
                    Collections.unmodifiableSet(operations));
        }

        boolean matches(Principal principal) {
            if (exact.contains(principal.name())) {
                return true;
            }
            for (int i = 0; i < globs.size(); i++) {
                if (globs.get(i).matches(principal)) {
                    return true;
                }
            }
            return false;
        }

        /** As given: exact names and globs. */
        public List<String> principals() {
            return principals;
        }

        public Set<DataOperation> operations() {
            return operations;
        }

        AccessRule toProto() {
            return AccessRule.newBuilder().addAllPrincipals(principals).addAllOperations(operations).build();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Rule other && principals.equals(other.principals) && operations.equals(other.operations);
        }

        @Override
        public int hashCode() {
            return Objects.hash(principals, operations);
        }

        @Override
        public String toString() {
            return principals + " may " + operations;
        }
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

        static Requirement of(ContextRequirement proto, String field) {
            String key = proto.getKey();
            if (key.isEmpty()) {
                throw invalid(field + ".key", "a context requirement names a non-empty key");
            }
            if (key.length() > MAX_STRING_CHARS) {
                throw tooLong(field + ".key");
            }
            if (proto.getAllowedValuesCount() > MAX_ALLOWED_VALUES) {
                throw tooMany(field + ".allowed_values", MAX_ALLOWED_VALUES, "allowed values");
            }
            for (int j = 0; j < proto.getAllowedValuesCount(); j++) {
                if (proto.getAllowedValues(j).length() > MAX_STRING_CHARS) {
                    throw tooLong(field + ".allowed_values[" + j + "]");
                }
            }
            return new Requirement(key, new LinkedHashSet<>(proto.getAllowedValuesList()));
        }

        public boolean isMetBy(Map<String, String> context) {
            String value = context == null ? null : context.get(key);
            return value != null && (allowedValues.isEmpty() || allowedValues.contains(value));
        }

        ContextRequirement toProto() {
            return ContextRequirement.newBuilder().setKey(key).addAllAllowedValues(allowedValues).build();
        }
    }

    /** Shared with grants: a principal text is non-blank, bounded and free of control characters. */
    static void checkPrincipalText(String text, String field, ErrorReason reason) {
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

    private static KmsException invalid(String field, String message) {
        return new KmsException(ErrorReason.INVALID_POLICY, field + ": " + message, Map.of("field", field));
    }

    private static KmsException tooMany(String field, int limit, String what) {
        return new KmsException(ErrorReason.INVALID_POLICY, field + ": at most " + limit + " " + what,
                Map.of("field", field, "limit", Integer.toString(limit)));
    }

    private static KmsException tooLong(String field) {
        return new KmsException(ErrorReason.INVALID_POLICY,
                field + " is longer than " + MAX_STRING_CHARS + " characters",
                Map.of("field", field, "limit", Integer.toString(MAX_STRING_CHARS)));
    }
}
