package coffre.kms.loadtest;

import coffre.kms.server.xks.XksPaths;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where the XKS calls go, from {@code --xks-uri https://host[:port][/prefix]/kms/xks/v1}: AWS KMS's
 * {@code XksProxyUriEndpoint} (scheme, host, port) followed by the key store's
 * {@code XksProxyUriPath}. The path is checked with the server's own rules ({@link XksPaths}), so a
 * URI the listener would refuse as {@code InvalidUriPathException} is refused here, with the reason,
 * before any call.
 *
 * <p>{@link #authority()} is what the request carries as {@code Host} (HTTP/1.1) or
 * {@code :authority} (HTTP/2) and what is signed: the host alone on port 443, as AWS KMS sends it,
 * else {@code host:port}. The two must agree byte for byte, or every signature fails.
 *
 * @param host    the host as written in the URI (an IPv6 literal keeps its brackets)
 * @param port    the TCP port (443 if the URI has none)
 * @param uriPath the key store's {@code XksProxyUriPath}: {@code [/prefix]/kms/xks/v1}
 */
public record XksEndpoint(String host, int port, String uriPath) {
    private static final int HTTPS_PORT = 443;

    /**
     * Parses and checks {@code --xks-uri}.
     *
     * @throws IllegalArgumentException naming what is wrong (scheme, host, path, query...)
     */
    public static XksEndpoint parse(String text) {
        String hint = " (expected https://HOST[:PORT][/PREFIX]/kms/xks/v1)";
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--xks-uri '" + text + "' is not a URI" + hint);
        }
        if (!"https".equals(uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--xks-uri '" + text + "' must be https: the XKS API is served "
                    + "over TLS only" + hint);
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("--xks-uri '" + text + "' needs a host and nothing before it" + hint);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("--xks-uri '" + text + "' must have no query or fragment" + hint);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!path.endsWith(XksPaths.API_ROOT)) {
            throw new IllegalArgumentException("--xks-uri '" + text + "' must end with " + XksPaths.API_ROOT + hint);
        }
        String prefix = path.substring(0, path.length() - XksPaths.API_ROOT.length());
        if (path.length() > XksPaths.MAX_URI_PATH_CHARS || !XksPaths.isValidUriPrefix(prefix)) {
            throw new IllegalArgumentException("--xks-uri '" + text + "': the path (XksProxyUriPath) is at most "
                    + XksPaths.MAX_URI_PATH_CHARS + " characters of A-Z a-z 0-9 / - _, with no empty segment"
                    + hint);
        }
        return new XksEndpoint(uri.getHost(), uri.getPort() < 0 ? HTTPS_PORT : uri.getPort(), path);
    }

    /** The host to connect to: an IPv6 literal without its brackets. */
    public String connectHost() {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** {@code Host} / {@code :authority} as sent and signed: no port when it is 443. */
    public String authority() {
        return port == HTTPS_PORT ? host : host + ":" + port;
    }

    /** The port to put in the authority, or -1 for none (443). */
    int authorityPort() {
        return port == HTTPS_PORT ? -1 : port;
    }

    /** {@code <uriPath>/health}. */
    public String healthPath() {
        return uriPath + "/health";
    }

    /**
     * {@code <uriPath>/keys/<externalKeyId>/<operation>}.
     *
     * @param operation {@code metadata}, {@code encrypt} or {@code decrypt}
     */
    public String keyPath(String externalKeyId, String operation) {
        return uriPath + "/keys/" + externalKeyId + "/" + operation;
    }

    /**
     * Checks an external key id ({@code --xks-key-id}) as the listener would.
     *
     * @throws IllegalArgumentException if the listener could only answer {@code InvalidUriPathException}
     */
    public void checkExternalKeyId(String externalKeyId) {
        if (!XksPaths.isValidExternalKeyId(externalKeyId)) {
            throw new IllegalArgumentException("--xks-key-id '" + externalKeyId + "': an external key id is 1 to "
                    + XksPaths.MAX_EXTERNAL_KEY_ID_CHARS + " characters of A-Z a-z 0-9 . - _ (not . or ..)");
        }
        if (keyPath(externalKeyId, "metadata").length() > XksPaths.MAX_TARGET_CHARS) {
            throw new IllegalArgumentException("--xks-key-id '" + externalKeyId + "': with the path of --xks-uri "
                    + "the request target would exceed " + XksPaths.MAX_TARGET_CHARS + " characters (spec limit)");
        }
    }

    /** The base URI, as given (normalised): {@code https://authority/uriPath}. */
    @Override
    public String toString() {
        return "https://" + authority() + uriPath;
    }
}
