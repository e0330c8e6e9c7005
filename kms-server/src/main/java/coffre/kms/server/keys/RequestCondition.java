package coffre.kms.server.keys;

import coffre.kms.server.domain.PrincipalPattern;
import coffre.kms.server.domain.RequestMetadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A condition of a {@link PolicyRule} on the request metadata a caller relays (AWS KMS's
 * {@code requestMetadata} on XKS calls, the token claims on DKE calls): the attribute must be
 * present and equal one of the values, each an exact string or a glob as principals are
 * ({@code *} any run, {@code ?} one character). An absent attribute never matches, so "only via
 * EBS" cannot be met by a call that names no service. A multi-valued attribute ({@code groups},
 * {@code roles}) holds when any of its values matches. Values are matched case-sensitively, as
 * the caller sends them; {@code upn} and {@code email} arrive in lower case, so conditions on them
 * must be written in lower case (anything else could never match: refused).
 */
public final class RequestCondition {
    /** ARNs may be 2,048 characters (the XKS spec), so values may be as long. */
    public static final int MAX_VALUE_CHARS = 2048;
    public static final int MAX_VALUES = 32;

    private final RequestMetadata.Attribute attribute;
    private final List<String> values;
    private final Set<String> exact;
    private final List<PrincipalPattern> globs;

    private RequestCondition(RequestMetadata.Attribute attribute, List<String> values, Set<String> exact,
                             List<PrincipalPattern> globs) {
        this.attribute = attribute;
        this.values = values;
        this.exact = exact;
        this.globs = globs;
    }

    static RequestCondition of(KeyAccessPolicy.WrittenCondition written, String field) {
        Optional<RequestMetadata.Attribute> attribute = RequestMetadata.Attribute.named(written.attribute());
        if (attribute.isEmpty()) {
            throw KeyAccessPolicy.invalid(field + ".attribute", "attributes are " + RequestMetadata.Attribute.NAMES);
        }
        List<String> values = written.values();
        if (values.isEmpty()) {
            throw KeyAccessPolicy.invalid(field + ".values", "a condition lists at least one value or pattern");
        }
        if (values.size() > MAX_VALUES) {
            throw KeyAccessPolicy.tooMany(field + ".values", MAX_VALUES, "values in one condition");
        }
        Set<String> exact = new HashSet<>();
        List<PrincipalPattern> globs = new ArrayList<>();
        for (int j = 0; j < values.size(); j++) {
            String value = values.get(j);
            String valueField = field + ".values[" + j + "]";
            if (value.isBlank()) {
                throw KeyAccessPolicy.invalid(valueField, "must not be blank");
            }
            if (value.length() > MAX_VALUE_CHARS) {
                throw KeyAccessPolicy.tooLong(valueField, MAX_VALUE_CHARS);
            }
            if (value.chars().anyMatch(Character::isISOControl) || !value.strip().equals(value)) {
                // AWS never sends such a value: it could only be a typo that silently never matches.
                throw KeyAccessPolicy.invalid(valueField, "holds control characters or white space at either end");
            }
            if (attribute.get().lowerCase() && !value.toLowerCase(java.util.Locale.ROOT).equals(value)) {
                // The edge lowers upn and email: an upper-case letter here could never match.
                throw KeyAccessPolicy.invalid(valueField, attribute.get().wireName()
                        + " is compared in lower case: write the value in lower case");
            }
            if (PolicyRule.isGlob(value)) {
                globs.add(PrincipalPattern.of(value));
            } else {
                exact.add(value);
            }
        }
        return new RequestCondition(attribute.get(), values, Set.copyOf(exact), List.copyOf(globs));
    }

    /** Whether the request carries the attribute with one of the values. */
    boolean holdsFor(RequestMetadata request) {
        List<String> carried = request.values(attribute);
        for (int v = 0; v < carried.size(); v++) {
            String value = carried.get(v);
            if (value == null) {
                continue;
            }
            if (exact.contains(value)) {
                return true;
            }
            for (int i = 0; i < globs.size(); i++) {
                if (globs.get(i).matches(value)) {
                    return true;
                }
            }
        }
        return false;
    }

    public RequestMetadata.Attribute attribute() {
        return attribute;
    }

    /** As given: exact values and globs. */
    public List<String> values() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestCondition other && attribute == other.attribute && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(attribute, values);
    }

    @Override
    public String toString() {
        return attribute.wireName() + " in " + values;
    }
}
