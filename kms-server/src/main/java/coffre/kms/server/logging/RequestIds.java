package coffre.kms.server.logging;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The id that ties a gRPC or DKE call to its audit event, its log lines, its span and the
 * caller's own logs: the caller's {@code x-request-id} header when it is 1-64 characters of
 * {@code [A-Za-z0-9._:-]}, else a fresh random one. The server sends it back in the
 * {@code x-request-id} response header. (XKS calls carry their own: the request's
 * {@code kmsRequestId}.)
 */
public final class RequestIds {
    public static final String HEADER = "x-request-id";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private RequestIds() {
    }

    /** The call's id: {@code given} (the caller's header, may be null) when valid, else a fresh one. */
    public static String of(String given) {
        if (given != null && VALID.matcher(given).matches()) {
            return given;
        }
        // An identifier, not a secret: a fast non-cryptographic source is enough.
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return HexFormat.of().toHexDigits(random.nextLong()) + HexFormat.of().toHexDigits(random.nextLong());
    }
}
