package coffre.kms.server.xks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTP request exactly as received, for {@link SigV4Verifier}: the signature covers these bytes,
 * so nothing here is decoded, normalised or re-serialised.
 *
 * @param method  the method as received
 * @param rawPath the path without query, as received; {@link XksPaths#route} has already refused
 *                anything that is not its own canonical URI
 * @param headers every header, names case-insensitive, values in the order received; under
 *                HTTP/2 the authority arrives as the {@code :authority} pseudo-header, which the
 *                listener passes under that name or as {@code host} (whichever it has)
 * @param body    the body bytes as received (not copied: do not change them)
 */
public record SigV4Request(String method, String rawPath, Map<String, List<String>> headers, byte[] body) {
    public SigV4Request {
        if (method == null || rawPath == null || headers == null || body == null) {
            throw new IllegalArgumentException("a SigV4 request has a method, a path, headers and a body (maybe empty)");
        }
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        copy.replaceAll((name, values) -> List.copyOf(values));
        headers = Collections.unmodifiableMap(copy);
    }

    /**
     * From headers as a sequence of name/value pairs, such as Vert.x's {@code MultiMap}
     * ({@code request.headers()}), which is an {@code Iterable<Map.Entry<String, String>>}.
     */
    public static SigV4Request of(String method, String rawPath,
                                  Iterable<? extends Map.Entry<String, String>> headers, byte[] body) {
        Map<String, List<String>> grouped = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> header : headers) {
            grouped.computeIfAbsent(header.getKey(), n -> new ArrayList<>()).add(header.getValue());
        }
        return new SigV4Request(method, rawPath, grouped, body);
    }

    /** The values of one header (any case), in the order received; empty if absent. */
    public List<String> header(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** Names and sizes only: header values (the signature) and the body stay out of logs. */
    @Override
    public String toString() {
        return "SigV4Request[" + method + " " + rawPath + ", headers " + headers.keySet() + ", " + body.length
                + " body bytes]";
    }
}
