package coffre.kms.server.access;

/**
 * Why {@link AccessDecider} refuses a call, told apart for an edge whose protocol answers each
 * differently (the XKS API: a key the caller may never use that way is {@code InvalidKeyUsage},
 * a call that secondary authorization refuses is {@code AccessDenied}). gRPC callers see one
 * {@code PERMISSION_DENIED} for all three.
 *
 * @param message for the operator: names the principal, the operation, the key and, for a DENY
 *                rule, the rule; never a request value
 * @param rule    the DENY rule responsible ({@code rules[3]}), or null for the other kinds
 */
public record AccessRefusal(Kind kind, String message, String rule) {

    public AccessRefusal(Kind kind, String message) {
        this(kind, message, null);
    }

    /** What the audit record names as the cause: the kind, and the rule for a DENY rule. */
    public String cause() {
        return rule == null ? kind.name() : kind.name() + ":" + rule;
    }

    public enum Kind {
        /** A DENY rule applies: deny wins over every ALLOW rule and grant. */
        DENIED_BY_RULE,
        /** An ALLOW rule names the caller and operation, but its conditions do not hold (and no grant allows). */
        CONDITIONS_UNMET,
        /** No ALLOW rule names the caller for the operation, and no live grant allows it. */
        NOT_PERMITTED
    }
}
