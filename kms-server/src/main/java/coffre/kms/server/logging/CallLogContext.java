package coffre.kms.server.logging;

import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * Ties the events logged while a call is served to that call: its request id is in SLF4J's MDC
 * under {@value #REQUEST_ID} for the duration of the work, so a text line ends with
 * {@code [request_id=ID]} and a JSON line holds {@code "mdc":{"request_id":"ID"}}, and an operator
 * finds a failure's log lines from the id the caller saw (the {@code x-request-id} header, the
 * audit event). The previous value is restored afterwards: a worker thread serves many calls.
 *
 * <p>A request id is never a secret (callers choose it, or the server draws it at random).
 */
public final class CallLogContext {
    /** The MDC key (and JSON field) of a call's request id. */
    public static final String REQUEST_ID = "request_id";

    private CallLogContext() {
    }

    /** {@code work}, run with {@code requestId} in the MDC (null or empty: run as is). */
    public static void run(String requestId, Runnable work) {
        with(requestId, () -> {
            work.run();
            return null;
        });
    }

    /** {@code work}'s result, computed with {@code requestId} in the MDC (null or empty: as is). */
    public static <T> T with(String requestId, Supplier<T> work) {
        if (requestId == null || requestId.isEmpty()) {
            return work.get();
        }
        String previous = enter(requestId);
        try {
            return work.get();
        } finally {
            leave(previous);
        }
    }

    /** {@code work} as a task that runs with {@code requestId} in the MDC, on whatever thread runs it. */
    public static <T> Callable<T> wrap(String requestId, Callable<T> work) {
        if (requestId == null || requestId.isEmpty()) {
            return work;
        }
        return () -> {
            String previous = enter(requestId);
            try {
                return work.call();
            } finally {
                leave(previous);
            }
        };
    }

    private static String enter(String requestId) {
        String previous = MDC.get(REQUEST_ID);
        MDC.put(REQUEST_ID, requestId);
        return previous;
    }

    private static void leave(String previous) {
        if (previous == null) {
            MDC.remove(REQUEST_ID);
        } else {
            MDC.put(REQUEST_ID, previous);
        }
    }
}
