package coffre.kms.server.xks;

import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The regular expressions {@link XksPaths} and {@link SigV4Authorization} parsed with before they
 * were written as cursors (cheaper on every request), kept as the reference the cursors must agree
 * with, and a generator of near misses to compare them on.
 */
final class ParserReferences {
    private static final Pattern API_PATH = Pattern.compile(
            "(?<prefix>(?:/[A-Za-z0-9_-]+)*)/kms/xks/v1/"
                    + "(?:health|keys/(?<key>[A-Za-z0-9._-]{1,128})/(?<op>metadata|encrypt|decrypt))");

    private static final String SCOPE_PART = "([^/,\\s]{1,256})";
    private static final String HEADER_NAME = "[a-z0-9!#$%&'*+.^_`|~-]+";
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=" + SCOPE_PART + "/([0-9]{8})/" + SCOPE_PART + "/" + SCOPE_PART
                    + "/aws4_request, ?SignedHeaders=(" + HEADER_NAME + "(?:;" + HEADER_NAME + ")*)"
                    + ", ?Signature=([0-9a-f]{64})");

    private ParserReferences() {
    }

    /** What {@link XksPaths#route} answered with its former regular expression: a route, "404" or "405". */
    static Object route(String method, String target) {
        if (target == null || target.isEmpty() || target.length() > XksPaths.MAX_TARGET_CHARS) {
            return "404";
        }
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        Matcher m = API_PATH.matcher(path);
        if (!m.matches()) {
            return "404";
        }
        String prefix = m.group("prefix");
        String key = m.group("key");
        if (prefix.length() > XksPaths.MAX_PREFIX_CHARS || ".".equals(key) || "..".equals(key)) {
            return "404";
        }
        if (!"POST".equals(method)) {
            return "405";
        }
        if (query >= 0) {
            return "404";
        }
        String op = m.group("op");
        XksOperation operation = op == null ? XksOperation.GET_HEALTH_STATUS : switch (op) {
            case "metadata" -> XksOperation.GET_KEY_METADATA;
            case "encrypt" -> XksOperation.ENCRYPT;
            default -> XksOperation.DECRYPT;
        };
        return new XksRoute(prefix, operation, key);
    }

    /** What {@link SigV4Authorization#parse} answered with its former regular expression: the parts, or "refused". */
    static Object authorization(String header) {
        if (header == null || header.length() > SigV4Authorization.MAX_HEADER_CHARS) {
            return "refused";
        }
        Matcher m = AUTHORIZATION.matcher(header);
        if (!m.matches()) {
            return "refused";
        }
        List<String> names = List.of(m.group(5).split(";"));
        for (int i = 1; i < names.size(); i++) {
            if (names.get(i - 1).compareTo(names.get(i)) >= 0) {
                return "refused";
            }
        }
        return new SigV4Authorization(m.group(1), m.group(2), m.group(3), m.group(4), names,
                HexFormat.of().parseHex(m.group(6)));
    }

    /** The same, from the parser under test. */
    static Object route(Function<String, XksRoute> parser, String target) {
        try {
            return parser.apply(target);
        } catch (XksMethodNotAllowedException e) {
            return "405";
        } catch (XksException e) {
            return e.error() == XksError.INVALID_URI_PATH ? "404" : e.error().toString();
        }
    }

    /**
     * {@code n} near misses of {@code seeds}: each seed edited one to four times (a character or a
     * piece of {@code pieces} inserted, deleted or replaced at a random place), from a fixed seed.
     */
    static List<String> nearMisses(List<String> seeds, List<String> pieces, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String chars = "/.-_~aZz09;,= \t\n\u000b\f\r%?#&é:A";
        java.util.ArrayList<String> out = new java.util.ArrayList<>(seeds);
        while (out.size() < n) {
            StringBuilder s = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
            for (int edits = 1 + random.nextInt(4); edits > 0; edits--) {
                int at = s.isEmpty() ? 0 : random.nextInt(s.length() + 1);
                String piece = random.nextInt(3) == 0 ? pieces.get(random.nextInt(pieces.size()))
                        : String.valueOf(chars.charAt(random.nextInt(chars.length())));
                switch (random.nextInt(3)) {
                    case 0 -> s.insert(at, piece);
                    case 1 -> {
                        if (at < s.length()) {
                            s.delete(at, Math.min(s.length(), at + 1 + random.nextInt(3)));
                        }
                    }
                    default -> s.replace(at, Math.min(s.length(), at + piece.length()), piece);
                }
            }
            out.add(s.toString());
        }
        return out;
    }
}
