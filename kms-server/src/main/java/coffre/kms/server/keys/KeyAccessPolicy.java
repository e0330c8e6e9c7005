package coffre.kms.server.keys;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.PrincipalNames;
import coffre.kms.server.domain.PrincipalPattern;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A key's access policy, validated once when it is set or loaded, so the per-call check does no
 * parsing: who may use the key ({@link Rule}s of principal patterns and operations) and what every
 * call's encryption context must hold ({@link Requirement}s). The empty policy allows nobody.
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

    /** A rule as written: exact principal names or globs, and operation names. */
    public record WrittenRule(List<String> principals, List<String> operations) {
        public WrittenRule {
            principals = List.copyOf(principals);
            operations = List.copyOf(operations);
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
    private final List<Rule> rules;
    private final List<Requirement> requiredContext;
    /** Set only for a stored policy that no longer validates (see {@link #asStored}). */
    private final KmsException invalid;

    private KeyAccessPolicy(Written written, List<Rule> rules, List<Requirement> requiredContext,
                            KmsException invalid) {
        this.written = written;
        this.rules = rules;
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
        List<Rule> rules = new ArrayList<>(policy.rules().size());
        for (int i = 0; i < policy.rules().size(); i++) {
            rules.add(Rule.of(policy.rules().get(i), "rules[" + i + "]"));
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
     * error, which {@link #allows} and {@link #firstUnmet} throw.
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

    public List<Rule> rules() {
        return rules;
    }

    public List<Requirement> requiredContext() {
        return requiredContext;
    }

    /** Whether a rule names the principal (exactly or by glob) and lists the operation. */
    public boolean allows(Principal principal, DataOperation operation) {
        requireValid();
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

        static Rule of(WrittenRule written, String field) {
            List<String> principals = written.principals();
            if (principals.isEmpty()) {
                throw invalid(field + ".principals", "a rule names at least one principal or pattern");
            }
            if (principals.size() > MAX_PRINCIPALS_PER_RULE) {
                throw tooMany(field + ".principals", MAX_PRINCIPALS_PER_RULE, "principals in one rule");
            }
            Set<String> exact = new HashSet<>();
            List<PrincipalPattern> globs = new ArrayList<>();
            for (int j = 0; j < principals.size(); j++) {
                String text = principals.get(j);
                checkPrincipalText(text, field + ".principals[" + j + "]", ErrorReason.INVALID_POLICY);
                if (text.indexOf('*') >= 0 || text.indexOf('?') >= 0) {
                    globs.add(PrincipalPattern.of(text));
                } else {
                    exact.add(text);
                }
            }
            if (written.operations().isEmpty()) {
                throw invalid(field + ".operations", "a rule lists at least one of " + DataOperation.NAMES);
            }
            Set<DataOperation> operations = EnumSet.noneOf(DataOperation.class);
            for (int j = 0; j < written.operations().size(); j++) {
                Optional<DataOperation> op = DataOperation.named(written.operations().get(j));
                if (op.isEmpty()) {
                    throw invalid(field + ".operations[" + j + "]", "operations are " + DataOperation.NAMES);
                }
                operations.add(op.get());
            }
            return new Rule(principals, Set.copyOf(exact), List.copyOf(globs), Collections.unmodifiableSet(operations));
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

        /** The operations the rule allows, each once. */
        public Set<DataOperation> operations() {
            return operations;
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
