package coffre.kms.server.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * Vert.x's own metrics ({@code vertx_*}: its worker pools) and the JVM's ({@code jvm_*}) into the
 * node's registry. Why the labels are set here: Vert.x can label by remote address and request
 * path, and both are unbounded (every client address; XKS paths carry key ids). Only the local
 * listener address, HTTP method and status, and pool type and name are kept: a handful of values each.
 */
public final class VertxMetrics {
    /** The labels Vert.x may use: each takes a few values per node. */
    static final EnumSet<Label> LABELS = EnumSet.of(Label.LOCAL, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE,
            Label.POOL_NAME);

    private VertxMetrics() {
    }

    /** The options that turn Vert.x's metrics on with {@link #LABELS} only. */
    public static VertxOptions options() {
        return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setLabels(LABELS)
                // Per request and per socket read, Vert.x's HTTP and TCP server meters cost the data
                // plane several meter updates (measured: docs/performance.md, "Telemetry cost"), and
                // say less than coffre_calls_total and coffre_call_duration_seconds, which count every
                // call of every listener by outcome: they are off. The worker pools' meters (queue
                // wait, usage: is the data plane short of HSM sessions?) stay, with the JVM's (heap, GC,
                // threads), read only when scraped.
                .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
                .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
                .setJvmMetricsEnabled(true));
    }

    /** The node's Vert.x: its metrics in the node's registry when metrics are enabled, none otherwise. */
    public static Vertx vertx(Telemetry telemetry) {
        return telemetry.prometheus().isPresent() ? vertx(telemetry.registry()) : Vertx.vertx();
    }

    /** A Vert.x instance whose metrics go to {@code registry}. */
    public static Vertx vertx(MeterRegistry registry) {
        return Vertx.builder().with(options()).withMetrics(new MicrometerMetricsFactory(registry)).build();
    }
}
