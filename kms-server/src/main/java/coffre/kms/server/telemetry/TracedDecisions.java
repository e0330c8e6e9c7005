package coffre.kms.server.telemetry;

import coffre.kms.server.access.DecisionObserver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

/**
 * The key-level access decisions of traced calls, as {@code policy} spans ({@code
 * coffre.policy.scope=key}) under the span current on the deciding thread, i.e. the call's (its
 * edge entered it on the worker). A decision outside a traced call makes nothing.
 */
final class TracedDecisions implements DecisionObserver {
    private final Tracer tracer;

    TracedDecisions(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public Decision begin() {
        if (!Span.current().isRecording()) {
            return Decision.NONE;
        }
        Span span = tracer.spanBuilder(ObservedCall.POLICY).setAttribute(SpanAttributes.POLICY_SCOPE, "key")
                .startSpan();
        return new Decision() {
            @Override
            public void refused(String reason) {
                span.setAttribute(SpanAttributes.OUTCOME, reason);
                span.setStatus(StatusCode.ERROR, reason);
            }

            @Override
            public void close() {
                span.end();
            }
        };
    }
}
