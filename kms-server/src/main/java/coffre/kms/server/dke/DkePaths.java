package coffre.kms.server.dke;

import coffre.kms.server.keystores.DkeKeyMapping;
import java.util.regex.Pattern;

/**
 * The request targets of the DKE key-service protocol, and nothing else:
 * <ul>
 *   <li>{@code GET /<key name>} — the public key;</li>
 *   <li>{@code POST /<key name>/<version>/decrypt} — a decryption ({@code decrypt} in any case,
 *       as the reference service's routing accepts it).</li>
 * </ul>
 * A key name is as {@link DkeKeyMapping} says (1–64 characters of {@code [A-Za-z0-9_-]}); a version a
 * decimal number from 1, without leading zeros. The query may carry {@code protocol-version},
 * which must then be {@code 1.0} (the only version of the protocol; Office clients send it, older
 * ones do not); other query parameters are ignored. Anything else — an empty or extra segment,
 * {@code .}, percent-encoding, another method — is 404 or 405, decided before any token is read.
 */
final class DkePaths {
    static final int MAX_KEY_NAME_CHARS = DkeKeyMapping.MAX_NAME_CHARS;
    static final int MAX_TARGET_CHARS = 512;
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,8}");
    static final String PROTOCOL_VERSION = "protocol-version";

    private DkePaths() {
    }

    /**
     * @throws DkeException {@link DkeError#NOT_FOUND}, {@link DkeError#METHOD_NOT_ALLOWED} (with
     *                      the allowed method as its detail), {@link DkeError#INVALID_REQUEST}
     *                      for an unsupported protocol version
     */
    static DkeRoute route(String method, String target) {
        if (target == null || target.length() > MAX_TARGET_CHARS || !target.startsWith("/")) {
            throw notFound();
        }
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String[] segments = path.substring(1).split("/", -1);
        DkeRoute route;
        if (segments.length == 1 && DkeKeyMapping.isValidName(segments[0])) {
            route = new DkeRoute(DkeRoute.Operation.PUBLIC_KEY, segments[0], 0);
            requireMethod(method, "GET");
        } else if (segments.length == 3 && DkeKeyMapping.isValidName(segments[0])
                && VERSION.matcher(segments[1]).matches() && segments[2].equalsIgnoreCase("decrypt")) {
            route = new DkeRoute(DkeRoute.Operation.DECRYPT, segments[0], Integer.parseInt(segments[1]));
            requireMethod(method, "POST");
        } else {
            throw notFound();
        }
        if (q >= 0) {
            requireProtocolVersion(target.substring(q + 1));
        }
        return route;
    }

    private static void requireMethod(String method, String allowed) {
        if (!allowed.equals(method)) {
            // The detail (the audit's "why") carries the allowed method, which the Allow header repeats.
            throw new DkeException(DkeError.METHOD_NOT_ALLOWED, "method not allowed; use " + allowed).withDetail(allowed);
        }
    }

    private static void requireProtocolVersion(String query) {
        for (String parameter : query.split("&")) {
            int eq = parameter.indexOf('=');
            String name = eq < 0 ? parameter : parameter.substring(0, eq);
            if (name.equals(PROTOCOL_VERSION) && !(eq > 0 && parameter.substring(eq + 1).equals("1.0"))) {
                throw new DkeException(DkeError.INVALID_REQUEST, "unsupported protocol-version; this service speaks 1.0");
            }
        }
    }

    private static DkeException notFound() {
        return new DkeException(DkeError.NOT_FOUND, "no such key or operation");
    }
}
