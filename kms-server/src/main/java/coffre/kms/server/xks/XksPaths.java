package coffre.kms.server.xks;

import coffre.kms.server.keystores.KeyStoreRules;

/**
 * Parses the request target of an XKS call into an {@link XksRoute}, refusing every path the spec
 * does not define.
 *
 * <p>Grammar ({@code XksProxyUriPath} = prefix + {@code /kms/xks/v1}, at most 128 characters of
 * {@code [A-Za-z0-9/_-]}, so the prefix has at most 117; external key ids are 1–128 characters of
 * {@code [A-Za-z0-9._-]}; the whole URI is at most 256 characters, of which this sees the target):
 * <pre>
 *   {prefix}/kms/xks/v1/health
 *   {prefix}/kms/xks/v1/keys/{externalKeyId}/metadata | encrypt | decrypt
 * </pre>
 *
 * <p>Only normal paths pass: no empty segment ({@code //}), no {@code .} or {@code ..} segment, no
 * {@code %} escape, no query. Every accepted path is then its own SigV4 canonical URI (all its
 * characters are unreserved), so the verifier signs exactly the bytes received and two spellings of
 * one path can never select different key stores.
 *
 * <p>Order of refusals: a target that is not an API path is 404 {@code InvalidUriPathException}
 * whatever its method; an API path with a method other than POST is 405 (the spec's MUST, whatever
 * the query); a POST with a query is 404.
 */
public final class XksPaths {
    /** The fixed part every XKS path ends its prefix with. */
    public static final String API_ROOT = "/kms/xks/v1";
    public static final int MAX_URI_PATH_CHARS = 128;
    public static final int MAX_PREFIX_CHARS = MAX_URI_PATH_CHARS - API_ROOT.length();
    public static final int MAX_EXTERNAL_KEY_ID_CHARS = 128;
    /** The spec caps the whole URI at 256 characters; the target is part of it. */
    public static final int MAX_TARGET_CHARS = 256;

    private static final String HEALTH_SUFFIX = API_ROOT + "/health";
    private static final String KEYS_INFIX = API_ROOT + "/keys";

    private XksPaths() {
    }

    /**
     * The route of a request.
     *
     * @param method        the HTTP method as received (methods are case-sensitive)
     * @param requestTarget the origin-form target as received, path and query (Vert.x
     *                      {@code HttpServerRequest.uri()}), never decoded
     * @throws XksException                 {@link XksError#INVALID_URI_PATH} for any other target
     * @throws XksMethodNotAllowedException for an API path requested with a method other than POST
     */
    public static XksRoute route(String method, String requestTarget) {
        if (requestTarget == null || requestTarget.isEmpty() || requestTarget.length() > MAX_TARGET_CHARS) {
            throw invalidPath();
        }
        int query = requestTarget.indexOf('?');
        String path = query < 0 ? requestTarget : requestTarget.substring(0, query);
        // Read from the end: the operation and the key id hold no '/', so the last segments say
        // which path it is and the rest is the prefix (the grammar above, with no backtracking).
        String prefix;
        String key = null;
        XksOperation operation;
        if (path.endsWith(HEALTH_SUFFIX)) {
            prefix = path.substring(0, path.length() - HEALTH_SUFFIX.length());
            operation = XksOperation.GET_HEALTH_STATUS;
        } else {
            int opStart = path.lastIndexOf('/') + 1;
            operation = operationOf(path.substring(opStart));
            int keyStart = opStart < 2 ? -1 : path.lastIndexOf('/', opStart - 2) + 1;
            if (keyStart <= 0 || !isKeyIdForm(path, keyStart, opStart - 1)
                    || !path.startsWith(KEYS_INFIX, keyStart - 1 - KEYS_INFIX.length())) {
                throw invalidPath();
            }
            key = path.substring(keyStart, opStart - 1);
            prefix = path.substring(0, keyStart - 1 - KEYS_INFIX.length());
        }
        if (!isPrefixForm(prefix) || prefix.length() > MAX_PREFIX_CHARS || isDotSegment(key)) {
            throw invalidPath();
        }
        if (!"POST".equals(method)) {
            throw new XksMethodNotAllowedException();
        }
        if (query >= 0) {
            throw invalidPath();
        }
        return new XksRoute(prefix, operation, key);
    }

    /** Whether {@code prefix} may be a key store's URI prefix: the key-store domain's rule, which creation checks. */
    public static boolean isValidUriPrefix(String prefix) {
        return KeyStoreRules.isValidUriPrefix(prefix);
    }

    /** Whether {@code id} may be an external key id: the key-store domain's rule, which mapping checks. */
    public static boolean isValidExternalKeyId(String id) {
        return KeyStoreRules.isValidExternalKeyId(id);
    }

    private static boolean isDotSegment(String segment) {
        return ".".equals(segment) || "..".equals(segment);
    }

    /** {@code (/[A-Za-z0-9_-]+)*}: empty, or segments of those characters, none empty. */
    private static boolean isPrefixForm(String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c == '/') {
                if (i + 1 == prefix.length() || prefix.charAt(i + 1) == '/') {
                    return false;
                }
            } else if (i == 0 || !(isAlphanumeric(c) || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code [A-Za-z0-9._-]{1,128}} between {@code from} and {@code to}. */
    private static boolean isKeyIdForm(String path, int from, int to) {
        if (to - from < 1 || to - from > MAX_EXTERNAL_KEY_ID_CHARS) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = path.charAt(i);
            if (!(isAlphanumeric(c) || c == '.' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphanumeric(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
    }

    private static XksOperation operationOf(String segment) {
        return switch (segment) {
            case "metadata" -> XksOperation.GET_KEY_METADATA;
            case "encrypt" -> XksOperation.ENCRYPT;
            case "decrypt" -> XksOperation.DECRYPT;
            default -> throw invalidPath();
        };
    }

    private static XksException invalidPath() {
        return new XksException(XksError.INVALID_URI_PATH, XksError.INVALID_URI_PATH.defaultMessage());
    }
}
