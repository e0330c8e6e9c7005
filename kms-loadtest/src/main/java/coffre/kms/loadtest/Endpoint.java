package coffre.kms.loadtest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A server address {@code host:port} ({@code [v6]:port} for IPv6 literals). */
public record Endpoint(String host, int port) {
    /** Most endpoints one run accepts. */
    public static final int MAX = 64;

    public Endpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1-65535");
        }
    }

    /** @throws IllegalArgumentException if {@code text} is not {@code host:port} or {@code [v6]:port} */
    public static Endpoint parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("bad endpoint '" + text + "': expected host:port");
        }
        if (text.chars().anyMatch(c -> Character.isWhitespace(c) || c == ';')) {
            throw new IllegalArgumentException("bad endpoint '" + text + "': separate several endpoints with commas");
        }
        if (text.indexOf('/') >= 0) {
            throw new IllegalArgumentException("bad endpoint '" + text + "': expected host:port, no scheme or path");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("bad endpoint '" + text + "': IPv6 literals go in brackets, e.g. [::1]:8443");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad endpoint '" + text + "': the port is not a number");
        }
        try {
            return new Endpoint(host, port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad endpoint '" + text + "': " + e.getMessage(), e);
        }
    }

    /**
     * The endpoints of {@code --endpoint} values, each {@code host:port} or a comma-separated list
     * of them, in order.
     *
     * @throws IllegalArgumentException naming the bad value: an empty entry, a bad address, a
     *     duplicate, none at all, or more than {@value #MAX}
     */
    public static List<Endpoint> parseAll(List<String> values) {
        List<Endpoint> endpoints = new ArrayList<>();
        Set<Endpoint> seen = new HashSet<>();
        for (String value : values) {
            String[] entries = value.split(",", -1);
            for (int i = 0; i < entries.length; i++) {
                String entry = entries[i].strip();
                if (entry.isEmpty()) {
                    throw new IllegalArgumentException("--endpoint '" + value + "' has an empty entry at position " + (i + 1)
                            + " (expected host:port,host:port,...)");
                }
                Endpoint endpoint = parse(entry);
                if (!seen.add(endpoint)) {
                    throw new IllegalArgumentException("endpoint " + endpoint + " is given twice");
                }
                endpoints.add(endpoint);
            }
        }
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint given");
        }
        if (endpoints.size() > MAX) {
            throw new IllegalArgumentException(endpoints.size() + " endpoints given, at most " + MAX);
        }
        return List.copyOf(endpoints);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
