package coffre.kms.server.domain;

import java.util.regex.Pattern;

/**
 * An exact principal name or a glob: {@code *} matches any run of characters (including none),
 * {@code ?} exactly one; everything else is literal. Both the service roles ({@code access.AccessControl})
 * and keys' access policies ({@code keys.KeyAccessPolicy}) name callers with it, so it lives here
 * beside {@link Principal} and {@link PrincipalNames}. Rule conditions on {@link RequestMetadata} use the
 * same globs for their values.
 */
public final class PrincipalPattern {
    private final String text;
    private final Pattern regex;

    private PrincipalPattern(String text, Pattern regex) {
        this.text = text;
        this.regex = regex;
    }

    public static PrincipalPattern of(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a principal pattern must not be blank");
        }
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            re.append(Pattern.quote(literal.toString()));
        }
        return new PrincipalPattern(text, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    public boolean matches(Principal principal) {
        return matches(principal.name());
    }

    /** Whether {@code text} (a principal name, or a request attribute's value) matches. */
    public boolean matches(String text) {
        return regex.matcher(text).matches();
    }

    @Override
    public String toString() {
        return text;
    }
}
