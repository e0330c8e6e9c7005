package coffre.kms.server.telemetry;

import coffre.kms.server.audit.AuditCheckpointer;
import coffre.kms.server.audit.AuditLog;
import coffre.kms.server.audit.AuditWrites;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The audit log's meters: {@code coffre_audit_queue_depth}, {@code coffre_audit_batch_events},
 * {@code coffre_audit_write_duration_seconds}, {@code coffre_audit_write_failures_total},
 * {@code coffre_audit_writable} and {@code coffre_audit_checkpoint_age_seconds}. The audit package
 * stays free of Micrometer: it tells {@link AuditWrites} and answers plain accessors, which these
 * meters read.
 */
public final class AuditMeters implements AuditWrites {
    /** Events per batch: from the idle single event up to large group commits. */
    private static final double[] BATCH_BUCKETS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000};
    /** One durable append: a journal fsync (sub-millisecond) up to a database stuck for seconds. */
    private static final Duration[] WRITE_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5)};

    private final DistributionSummary batches;
    private final Timer writes;
    private final Counter failures;

    private AuditMeters(MeterRegistry registry) {
        this.batches = DistributionSummary.builder("coffre.audit.batch.events")
                .description("audit events per written batch").serviceLevelObjectives(BATCH_BUCKETS)
                .register(registry);
        this.writes = Timer.builder("coffre.audit.write.duration")
                .description("one audit batch's durable write to the journal or store")
                .serviceLevelObjectives(WRITE_BUCKETS).register(registry);
        this.failures = Counter.builder("coffre.audit.write.failures")
                .description("audit write attempts that failed").register(registry);
    }

    /**
     * Binds the meters of {@code log} and {@code checkpointer}, and becomes the log's write listener.
     *
     * @param clock the clock the checkpointer stamps its checkpoints with
     */
    public static AuditMeters bind(MeterRegistry registry, AuditLog log, AuditCheckpointer checkpointer, Clock clock) {
        AuditMeters meters = new AuditMeters(registry);
        Gauge.builder("coffre.audit.queue.depth", log, AuditLog::pending)
                .description("audit events accepted and not yet durable").strongReference(true).register(registry);
        Gauge.builder("coffre.audit.writable", log, l -> l.writable() ? 1 : 0)
                .description("1 while the audit log can be written, 0 after a failed write until one succeeds")
                .strongReference(true).register(registry);
        Gauge.builder("coffre.audit.checkpoint.age.seconds", checkpointer,
                        c -> Math.max(0, Duration.between(c.anchoredAt(), clock.instant()).toMillis() / 1000.0))
                .description("seconds since the audit chain was last anchored by a checkpoint up to its head")
                .baseUnit("seconds").strongReference(true).register(registry);
        log.watchWrites(meters);
        return meters;
    }

    @Override
    public void written(int events, long nanos) {
        batches.record(events);
        writes.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void failed() {
        failures.increment();
    }
}
