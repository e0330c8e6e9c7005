package coffre.kms.loadtest;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Names a failed XKS call for the report, as {@link ErrorReasons} does for gRPC: the HTTP status and
 * the spec's {@code errorName}, e.g. {@code 400/ValidationException} or
 * {@code 401/AuthenticationFailedException}; {@code 502/no errorName} when the answer is not an XKS
 * error body (a proxy or balancer in between); and for calls with no answer {@code TIMEOUT},
 * {@code CONNECTION_CLOSED}, {@code STREAM_RESET}, {@code CONNECT_FAILED}, {@code TLS_FAILED} or
 * the exception's class name. The {@code errorMessage} is left out: it varies per call and would
 * split one reason into many.
 */
final class XksErrorReasons {
    /** errorNames are short identifiers; anything else is not trusted into the report. */
    private static final Pattern ERROR_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9]{0,63}");

    private XksErrorReasons() {
    }

    /** The reason of an answer whose status is not 200. */
    static String of(int status, Buffer body) {
        String name = errorName(body);
        return status + "/" + (name == null ? "no errorName" : name);
    }

    /** The {@code errorName} of an XKS error body, or null if it has none (or an odd one). */
    static String errorName(Buffer body) {
        if (body == null || body.length() == 0 || body.getByte(0) != '{') {
            return null;
        }
        try {
            Object name = new JsonObject(body).getValue("errorName");
            return name instanceof String s && ERROR_NAME.matcher(s).matches() ? s : null;
        } catch (DecodeException | ClassCastException e) {
            return null;
        }
    }

    /** The reason of a call that got no answer. */
    static String of(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return "TIMEOUT";
            }
            if (t instanceof HttpClosedException) {
                return "CONNECTION_CLOSED";
            }
            if (t instanceof StreamResetException) {
                return "STREAM_RESET";
            }
            if (t instanceof ConnectException) {
                return "CONNECT_FAILED";
            }
            if (t instanceof SSLException) {
                return "TLS_FAILED";
            }
        }
        return failure.getClass().getSimpleName();
    }
}
