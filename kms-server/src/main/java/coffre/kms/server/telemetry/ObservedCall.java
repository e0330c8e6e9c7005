package coffre.kms.server.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

/**
 * One call as the operators see it: counted and timed when it ends, and, when traced, a server
 * span whose children are its stages ({@code authenticate}, {@code policy}, HSM operations,
 * {@code audit.wait}). An edge starts it when the call arrives and ends it exactly once, on every
 * path, with the outcome and status it answered: a span never ended is never exported.
 */
public final class ObservedCall {
    /** A call that records nothing: for paths that have no telemetry (tests of an edge alone). */
    public static final ObservedCall NONE = new ObservedCall(null, null, Span.getInvalid(), 0);

    /** The outcome of a call answered with its result. */
    public static final String OK = "OK";
    /** The span of an access decision: the caller's right to the operation, or to the key. */
    static final String POLICY = "policy";
    /** The span of checking who the caller is (a SigV4 signature, a bearer token). */
    static final String AUTHENTICATE = "authenticate";

    private final MethodTelemetry method;
    private final Tracer tracer;
    private final Span span;
    private final long startNanos;
    /** 1 once ended: a field and its updater rather than an AtomicBoolean, one object less per call. */
    private volatile int ended;
    private static final AtomicIntegerFieldUpdater<ObservedCall> ENDED =
            AtomicIntegerFieldUpdater.newUpdater(ObservedCall.class, "ended");

    ObservedCall(MethodTelemetry method, Tracer tracer, Span span, long startNanos) {
        this.method = method;
        this.tracer = tracer;
        this.span = span;
        this.startNanos = startNanos;
    }

    /**
     * Makes the call's span current on this thread until the scope closes, so that what the work
     * does (the key policy decision, HSM operations) becomes its children. Close it on the same thread.
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

    /** The {@code policy} child span of the caller's right to the operation (the service-level gate). */
    public Stage policy() {
        Stage stage = stage(POLICY);
        if (stage.span != null) {
            stage.span.setAttribute(SpanAttributes.POLICY_SCOPE, "operation");
        }
        return stage;
    }

    /**
     * Runs {@code work}, the check of who the caller is, in an {@code authenticate} child span,
     * marked as an error when it throws (the call's outcome says why).
     */
    public <T> T authenticate(Supplier<T> work) {
        Stage stage = stage(AUTHENTICATE);
        try {
            return work.get();
        } catch (RuntimeException | Error e) {
            if (stage.span != null) {
                stage.span.setStatus(StatusCode.ERROR);
            }
            throw e;
        } finally {
            stage.end();
        }
    }

    /** Tags the span with the call's request id (traces only; never a metric label), when it is a short token. */
    public void requestId(String requestId) {
        if (span.isRecording() && SpanAttributes.isRequestId(requestId)) {
            span.setAttribute(SpanAttributes.REQUEST_ID, requestId);
        }
    }

    /**
     * Records the call, once (later calls do nothing): {@code outcome} is {@link #OK} or the stable
     * reason it was answered; {@code status} the protocol's answer, the gRPC status code or the
     * HTTP status. Any outcome but OK marks the span as an error.
     */
    public void end(String outcome, int status) {
        if (method == null || !ENDED.compareAndSet(this, 0, 1)) {
            return;
        }
        method.record(System.nanoTime() - startNanos, outcome);
        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.OUTCOME, outcome);
            span.setAttribute(method.statusAttribute(), status);
            if (!OK.equals(outcome)) {
                span.setAttribute(SpanAttributes.ERROR_TYPE, outcome);
                span.setStatus(StatusCode.ERROR, outcome);
            }
            span.end();
        }
    }

    /** A child span; {@link #NONE} when the call is not traced. */
    public static final class Stage {
        static final Stage NONE = new Stage(null);
        private final Span span;

        Stage(Span span) {
            this.span = span;
        }

        /**
         * The stage refused the call for {@code reason}, a name from a closed set (e.g.
         * {@code PERMISSION_DENIED}), never a message.
         */
        public void refused(String reason) {
            if (span != null) {
                span.setAttribute(SpanAttributes.OUTCOME, reason);
                span.setStatus(StatusCode.ERROR, reason);
            }
        }

        public void end() {
            if (span != null) {
                span.end();
            }
        }
    }
}
