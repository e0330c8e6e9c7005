package coffre.kms.server.domain;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Optional;

/**
 * The one written form a principal name (or a principal pattern) may take, so that one identity
 * never has two spellings that compare unequal: a policy, a grant, an officer's principal and a
 * caller's certificate then name the same caller with the same string or not at all.
 *
 * <ul>
 *   <li>A URI (anything with {@code "://"}, e.g. a SPIFFE id): ASCII only; scheme and authority in
 *       lower case (RFC 3986 makes them case-insensitive, so {@code SPIFFE://Cloud.Example/x} would
 *       otherwise be a second spelling); no percent-encoding (an escaped {@code /} or letter is a
 *       second spelling); no empty, {@code .} or {@code ..} path segment; no fragment.</li>
 *   <li>Any other name (a certificate's common name): Unicode in NFKC form, so that full-width or
 *       composed look-alikes cannot stand for the plain letters.</li>
 *   <li>Both: no control characters, no white space at either end.</li>
 * </ul>
 * Names are refused, never rewritten: a rewritten name would be an identity nobody issued.
 */
public final class PrincipalNames {
    private PrincipalNames() {
    }

    /** What makes {@code name} not canonical, or empty if it is. */
    public static Optional<String> problem(String name) {
        if (name.chars().anyMatch(Character::isISOControl)) {
            return Optional.of("holds control characters");
        }
        if (!name.strip().equals(name)) {
            return Optional.of("starts or ends with white space");
        }
        int scheme = name.indexOf("://");
        if (scheme < 0) {
            return Normalizer.isNormalized(name, Normalizer.Form.NFKC) ? Optional.empty()
                    : Optional.of("is not in Unicode NFKC form (look-alike characters)");
        }
        if (!name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return Optional.of("is a URI with characters other than printable ASCII");
        }
        int pathStart = name.indexOf('/', scheme + 3);
        String prefix = pathStart < 0 ? name : name.substring(0, pathStart);
        if (!prefix.equals(prefix.toLowerCase(Locale.ROOT))) {
            return Optional.of("is a URI whose scheme or authority is not in lower case");
        }
        if (name.indexOf('%') >= 0) {
            return Optional.of("is a URI with percent-encoding");
        }
        if (name.indexOf('#') >= 0) {
            return Optional.of("is a URI with a fragment");
        }
        if (pathStart >= 0) {
            String path = name.substring(pathStart);
            int query = path.indexOf('?');
            for (String segment : (query < 0 ? path : path.substring(0, query)).substring(1).split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    return Optional.of("is a URI with an empty, '.' or '..' path segment");
                }
            }
        }
        return Optional.empty();
    }
}
