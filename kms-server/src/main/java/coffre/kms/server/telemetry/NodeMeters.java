package coffre.kms.server.telemetry;

import coffre.hsm.Hsm;
import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.approval.BreakGlassAllowances;
import coffre.kms.server.approval.QuorumService;
import coffre.kms.server.audit.AuditCheckpointer;
import coffre.kms.server.audit.AuditLog;
import coffre.kms.server.health.Readiness;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.store.Storage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Every meter of a node but the per-call ones ({@code CallTelemetry}) and the per-HSM-operation ones
 * ({@code ObservedHsm}), bound in one call once the node's parts exist: HSM state, audit, store,
 * cluster, approvals, leases, keys, TLS certificates and {@code coffre_ready}. The names are the
 * contract of docs/metrics.md. Gauges read memory only; the two values that take a store query
 * (cluster members, pending approvals) are read every {@link #POLL_INTERVAL} on a thread of this
 * object, which stops when the registry is closed (with the node's {@link Telemetry}) or at
 * {@link #close()}.
 */
public final class NodeMeters implements AutoCloseable {
    /** Gauges of one scrape that share a pass over a registry compute it at most this often. */
    static final long SCRAPE_TTL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** As often as Prometheus scrapes by default: a fresher value would never be seen. */
    static final Duration POLL_INTERVAL = Duration.ofSeconds(15);

    /**
     * What the meters read.
     *
     * @param hsmName      the {@code hsm} label: the configured profile or token label
     * @param certificates the PEM certificate file each TLS listener serves, by listener name
     *                     ({@code grpc}, {@code xks}, {@code dke}, {@code metrics})
     */
    public record Parts(String hsmName, Hsm hsm, AuditLog audit, AuditCheckpointer checkpointer, Storage storage,
                        Readiness readiness, KeyRegistry keys, GrantRegistry grants, BreakGlassAllowances breakGlass,
                        QuorumService quorum, Map<String, Path> certificates, Clock clock) {
        public Parts {
            Objects.requireNonNull(hsmName, "hsmName");
            Objects.requireNonNull(hsm, "hsm");
            Objects.requireNonNull(audit, "audit");
            Objects.requireNonNull(checkpointer, "checkpointer");
            Objects.requireNonNull(storage, "storage");
            Objects.requireNonNull(readiness, "readiness");
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(grants, "grants");
            Objects.requireNonNull(breakGlass, "breakGlass");
            Objects.requireNonNull(quorum, "quorum");
            certificates = Map.copyOf(certificates);
            Objects.requireNonNull(clock, "clock");
        }
    }

    private final Polled polled;

    private NodeMeters(Polled polled) {
        this.polled = polled;
    }

    /**
     * Binds every meter of {@code parts} to the node's registry, and Vert.x's metrics are on (see
     * {@link VertxMetrics#vertx(Telemetry)}), when metrics are enabled; nothing when they are not
     * (so that what metrics cost can be measured). Call once per node.
     */
    public static java.util.Optional<NodeMeters> bind(Telemetry telemetry, Parts parts) {
        return telemetry.prometheus().map(prometheus -> bind(prometheus, parts));
    }

    /** Binds every meter of {@code parts} to {@code registry}; call once per registry. */
    public static NodeMeters bind(MeterRegistry registry, Parts parts) {
        return bind(registry, parts, POLL_INTERVAL);
    }

    static NodeMeters bind(MeterRegistry registry, Parts parts, Duration pollInterval) {
        Polled polled = new Polled(pollInterval, registry::isClosed);
        try {
            HsmMeters.bind(registry, parts.hsmName(), parts.hsm());
            AuditMeters.bind(registry, parts.audit(), parts.checkpointer(), parts.clock());
            StoreMeters.bind(registry, parts.storage(), parts.readiness());
            ClusterMeters.bind(registry, parts.storage().changes(), parts.storage().members(), polled);
            ApprovalMeters.bind(registry, parts.quorum(), polled);
            LeaseMeters.bind(registry, parts.grants(), parts.breakGlass(), parts.clock());
            KeyMeters.bind(registry, parts.keys(), parts.clock());
            TlsMeters.bind(registry, parts.certificates());
            Gauge.builder("coffre.ready", parts.readiness(), r -> r.serving() ? 1 : 0)
                    .description("1 while this node is ready to serve (HSM, store and audit log usable)")
                    .strongReference(true).register(registry);
        } catch (RuntimeException e) {
            polled.close();
            throw e;
        }
        return new NodeMeters(polled);
    }

    /** Reads the polled values (cluster members, pending approvals) now, on the caller's thread. */
    public void refreshNow() {
        polled.refreshNow();
    }

    /** Stops reading the polled values; the meters stay registered with their last values. */
    @Override
    public void close() {
        polled.close();
    }
}
