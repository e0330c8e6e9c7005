package coffre.kms.server.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call as the operators see it: counted and timed when it ends, and, when traced, a server
 * span whose children are its stages (policy, HSM operations, audit wait). An edge starts it when
 * the call arrives and ends it once, with the outcome it answered.
 */
public final class ObservedCall {
    /** A call that records nothing: for paths that have no telemetry (tests of an edge alone). */
    public static final ObservedCall NONE = new ObservedCall(null, null, Span.getInvalid(), 0);

    private final MethodTelemetry method;
    private final Tracer tracer;
    private final Span span;
    private final long startNanos;
    private final AtomicBoolean ended = new AtomicBoolean();

    ObservedCall(MethodTelemetry method, Tracer tracer, Span span, long startNanos) {
        this.method = method;
        this.tracer = tracer;
        this.span = span;
        this.startNanos = startNanos;
    }

    /**
     * Makes the call's span current on this thread until the scope closes, so that what the work
     * does (the policy decision, HSM operations) becomes its children. Close it on the same thread.
     */
    public Scope enter() {
        return span.getSpanContext().isValid() ? span.makeCurrent() : Scope.noop();
    }

    /** A child span of this call, e.g. {@code audit.wait}, ended by {@link Stage#end()} on any thread. */
    public Stage stage(String name) {
        if (tracer == null || !span.isRecording()) {
            return Stage.NONE;
        }
        return new Stage(tracer.spanBuilder(name).setParent(Context.root().with(span)).startSpan());
    }

    /** Tags the span with the call's request id (traces only; never a metric label). */
    public void requestId(String requestId) {
        if (span.isRecording()) {
            span.setAttribute("coffre.request_id", requestId);
        }
    }

    /** Records the call, once: {@code outcome} is {@code OK} or the stable reason it was answered. */
    public void end(String outcome) {
        if (method == null || !ended.compareAndSet(false, true)) {
            return;
        }
        method.record(System.nanoTime() - startNanos, outcome);
        if (span.isRecording()) {
            span.setAttribute("coffre.outcome", outcome);
            if (!OK.equals(outcome)) {
                span.setStatus(StatusCode.ERROR, outcome);
            }
            span.end();
        }
    }

    /** The outcome of a call answered with its result. */
    public static final String OK = "OK";

    /** A child span; {@link #NONE} when the call is not traced. */
    public static final class Stage {
        static final Stage NONE = new Stage(null);
        private final Span span;

        Stage(Span span) {
            this.span = span;
        }

        public void end() {
            if (span != null) {
                span.end();
            }
        }
    }
}
