/**
 * What a node tells its operators about itself besides its logs: Micrometer metrics (served in the
 * Prometheus text format by {@link coffre.kms.server.telemetry.MetricsListener}) and OpenTelemetry
 * traces (sent over OTLP). {@link coffre.kms.server.telemetry.Telemetry} is the one entry point;
 * the edges (gRPC, XKS, DKE) observe each call through
 * {@link coffre.kms.server.telemetry.CallTelemetry}, the HSM is observed by
 * {@link coffre.kms.server.telemetry.ObservedHsm}. The core packages know nothing of this: they
 * expose plain accessors, bound to meters here, and hooks such as
 * {@link coffre.kms.server.access.DecisionObserver} (the key policy's spans). No label is ever
 * unbounded: no key id, principal, request id or address is a label value (see docs/metrics.md);
 * no span carries a key id, principal or request byte ({@code SpanAttributes}, docs/tracing.md).
 */
package coffre.kms.server.telemetry;
