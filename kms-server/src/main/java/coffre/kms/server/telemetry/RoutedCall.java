package coffre.kms.server.telemetry;

import java.util.function.Function;

/**
 * The telemetry of a call on an HTTP edge (XKS, DKE), whose method is known only once its path is
 * routed: started then, with the arrival time of the request, or as {@code unrouted} if the path
 * routes to nothing (or the call is answered before). Written by one thread at a time (the event
 * loop, then one worker), as the call audits that hold it.
 */
public final class RoutedCall {
    private final CallTelemetry calls;
    private final Protocol protocol;
    private final Function<String, String> headers;
    private final long startedNanos;
    private volatile ObservedCall observed;

    /**
     * @param headers      the request's headers (the caller's W3C trace context)
     * @param startedNanos when the request arrived ({@link System#nanoTime()})
     */
    public RoutedCall(CallTelemetry calls, Protocol protocol, Function<String, String> headers, long startedNanos) {
        this.calls = calls;
        this.protocol = protocol;
        this.headers = headers;
        this.startedNanos = startedNanos;
    }

    /**
     * The call is {@code method} (see {@link CallTelemetry#http}): its metrics and span start now,
     * timed from the request's arrival.
     *
     * @param route the path template, never the path as sent
     */
    public void route(String method, String httpMethod, String route) {
        observed = calls.http(protocol, method, httpMethod, route).start(startedNanos, headers);
    }

    /** The call's metrics and span; {@code unrouted} when {@link #route} was not called. */
    public ObservedCall observed() {
        ObservedCall call = observed;
        if (call == null) {
            call = calls.method(protocol, "unrouted").start(startedNanos, headers);
            observed = call;
        }
        return call;
    }
}
