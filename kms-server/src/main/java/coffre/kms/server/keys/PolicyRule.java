package coffre.kms.server.keys;

import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.PrincipalPattern;
import coffre.kms.server.domain.RequestMetadata;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One rule of a {@link KeyAccessPolicy}, validated: principals (exact names or globs), the
 * operations it allows or denies, its {@link RequestCondition}s and its {@link Effect}. Exact
 * names are kept apart in a hash set so the common case costs one lookup and no regex matcher.
 *
 * <p>A rule applies to a call when it names the caller, lists the operation and every condition
 * holds; a rule with conditions never applies to a call without request metadata (a gRPC call),
 * so secondary authorization written for XKS callers never opens or closes the gRPC plane.
 */
public final class PolicyRule {
    /** What a rule does when it applies: ALLOW grants, DENY refuses whatever else allows. */
    public enum Effect { ALLOW, DENY }

    private final List<String> principals;
    private final Set<String> exact;
    private final List<PrincipalPattern> globs;
    private final Set<DataOperation> operations;
    private final List<RequestCondition> conditions;
    private final Effect effect;

    private PolicyRule(List<String> principals, Set<String> exact, List<PrincipalPattern> globs,
                       Set<DataOperation> operations, List<RequestCondition> conditions, Effect effect) {
        this.principals = principals;
        this.exact = exact;
        this.globs = globs;
        this.operations = operations;
        this.conditions = conditions;
        this.effect = effect;
    }

    static PolicyRule of(KeyAccessPolicy.WrittenRule written, String field) {
        List<String> principals = written.principals();
        if (principals.isEmpty()) {
            throw KeyAccessPolicy.invalid(field + ".principals", "a rule names at least one principal or pattern");
        }
        if (principals.size() > KeyAccessPolicy.MAX_PRINCIPALS_PER_RULE) {
            throw KeyAccessPolicy.tooMany(field + ".principals", KeyAccessPolicy.MAX_PRINCIPALS_PER_RULE,
                    "principals in one rule");
        }
        Set<String> exact = new HashSet<>();
        List<PrincipalPattern> globs = new ArrayList<>();
        for (int j = 0; j < principals.size(); j++) {
            String text = principals.get(j);
            KeyAccessPolicy.checkPrincipalText(text, field + ".principals[" + j + "]", ErrorReason.INVALID_POLICY);
            if (isGlob(text)) {
                globs.add(PrincipalPattern.of(text));
            } else {
                exact.add(text);
            }
        }
        if (written.operations().isEmpty()) {
            throw KeyAccessPolicy.invalid(field + ".operations", "a rule lists at least one of " + DataOperation.NAMES);
        }
        Set<DataOperation> operations = EnumSet.noneOf(DataOperation.class);
        for (int j = 0; j < written.operations().size(); j++) {
            Optional<DataOperation> op = DataOperation.named(written.operations().get(j));
            if (op.isEmpty()) {
                throw KeyAccessPolicy.invalid(field + ".operations[" + j + "]", "operations are " + DataOperation.NAMES);
            }
            operations.add(op.get());
        }
        return new PolicyRule(principals, Set.copyOf(exact), List.copyOf(globs),
                Collections.unmodifiableSet(operations), conditions(written.conditions(), field),
                effect(written.effect(), field));
    }

    private static List<RequestCondition> conditions(List<KeyAccessPolicy.WrittenCondition> written, String field) {
        if (written.size() > KeyAccessPolicy.MAX_CONDITIONS_PER_RULE) {
            throw KeyAccessPolicy.tooMany(field + ".conditions", KeyAccessPolicy.MAX_CONDITIONS_PER_RULE,
                    "conditions in one rule");
        }
        List<RequestCondition> conditions = new ArrayList<>(written.size());
        Set<RequestMetadata.Attribute> seen = EnumSet.noneOf(RequestMetadata.Attribute.class);
        for (int j = 0; j < written.size(); j++) {
            RequestCondition condition = RequestCondition.of(written.get(j), field + ".conditions[" + j + "]");
            if (!seen.add(condition.attribute())) {
                throw KeyAccessPolicy.invalid(field + ".conditions[" + j + "].attribute",
                        "each attribute may be tested once per rule; list its values in one condition instead");
            }
            conditions.add(condition);
        }
        return List.copyOf(conditions);
    }

    private static Effect effect(String written, String field) {
        for (Effect effect : Effect.values()) {
            if (effect.name().equals(written)) {
                return effect;
            }
        }
        throw KeyAccessPolicy.invalid(field + ".effect", "the effect is ALLOW or DENY");
    }

    static boolean isGlob(String text) {
        return text.indexOf('*') >= 0 || text.indexOf('?') >= 0;
    }

    /** Whether the rule names {@code principal}, exactly or by a glob. */
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

    /**
     * Whether every condition holds for {@code request}: always for a rule without conditions;
     * never for a rule with conditions and a call without request metadata (null).
     */
    boolean conditionsHold(RequestMetadata request) {
        if (conditions.isEmpty()) {
            return true;
        }
        if (request == null) {
            return false;
        }
        for (int i = 0; i < conditions.size(); i++) {
            if (!conditions.get(i).holdsFor(request)) {
                return false;
            }
        }
        return true;
    }

    /** As given: exact names and globs. */
    public List<String> principals() {
        return principals;
    }

    /** The operations the rule allows (or denies), each once. */
    public Set<DataOperation> operations() {
        return operations;
    }

    /** Its conditions on the request metadata, in the order given; empty for an unconditional rule. */
    public List<RequestCondition> conditions() {
        return conditions;
    }

    public Effect effect() {
        return effect;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicyRule other && principals.equals(other.principals)
                && operations.equals(other.operations) && conditions.equals(other.conditions)
                && effect == other.effect;
    }

    @Override
    public int hashCode() {
        return Objects.hash(principals, operations, conditions, effect);
    }

    @Override
    public String toString() {
        return principals + (effect == Effect.DENY ? " may not " : " may ") + operations
                + (conditions.isEmpty() ? "" : " when " + conditions);
    }
}
