package coffre.kms.client;

import java.util.Objects;

/**
 * A server address: host name or IP literal and TCP port. There is no scheme because Coffre's
 * clients only speak gRPC over mTLS.
 *
 * @param host a DNS name, an IPv4 literal, or an IPv6 literal without brackets
 * @param port 1-65535
 */
public record Endpoint(String host, int port) {

    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1-65535");
        }
    }

    /**
     * Parses {@code host:port} or {@code [ipv6]:port}.
     *
     * @throws IllegalArgumentException with a message saying what is wrong and what is expected
     */
    public static Endpoint parse(String text) {
        String value = text.strip();
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [ipv6]:port");
            }
            host = value.substring(1, close);
            port = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || value.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not host:port (IPv6 literals go in brackets: [::1]:8443)");
            }
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
        }
        if (host.isEmpty() || host.contains("/")) {
            throw new IllegalArgumentException("'" + text + "' has no valid host (expected host:port, no scheme)");
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric port (expected host:port)");
        }
        if (number < 1 || number > 65535) {
            throw new IllegalArgumentException("'" + text + "' has port " + number + ", outside 1-65535");
        }
        return new Endpoint(host, number);
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
