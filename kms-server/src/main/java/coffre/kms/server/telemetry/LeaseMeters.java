package coffre.kms.server.telemetry;

import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.approval.BreakGlassAllowances;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Time-bounded permissions as gauges: {@code coffre_grants_active}, {@code
 * coffre_break_glass_allowances_active}, and {@code coffre_lease_soonest_expiry_timestamp_seconds{kind}}
 * ({@code kind} = {@code grant} or {@code break_glass}; NaN, i.e. no sample, when none is live), so
 * that an alert can warn before the access a workload relies on ends. Counted from memory.
 */
public final class LeaseMeters {
    private static final String EXPIRY = "coffre.lease.soonest.expiry.timestamp.seconds";
    private static final String EXPIRY_HELP = "when the first live lease of this kind ends (Unix seconds)";

    private LeaseMeters() {
    }

    public static void bind(MeterRegistry registry, GrantRegistry grants, BreakGlassAllowances breakGlass, Clock clock) {
        bind(registry, grants, breakGlass, clock, NodeMeters.SCRAPE_TTL_NANOS);
    }

    /** @param reuseNanos how long one count serves (0 in tests: every read counts) */
    static void bind(MeterRegistry registry, GrantRegistry grants, BreakGlassAllowances breakGlass, Clock clock,
                     long reuseNanos) {
        Supplier<GrantRegistry.Live> liveGrants = new Memo<>(() -> grants.live(clock.instant()), reuseNanos);
        Supplier<BreakGlassAllowances.Open> open = new Memo<>(() -> breakGlass.open(clock.instant()), reuseNanos);
        Gauge.builder("coffre.grants.active", liveGrants, g -> g.get().count())
                .description("grants unrevoked and within their time window").strongReference(true).register(registry);
        Gauge.builder("coffre.break.glass.allowances.active", open, o -> o.get().count())
                .description("approved break-glass calls not made yet, their window still open")
                .strongReference(true).register(registry);
        Gauge.builder(EXPIRY, liveGrants, g -> seconds(g.get().soonestEnd()))
                .description(EXPIRY_HELP).tag("kind", "grant").baseUnit("seconds").strongReference(true)
                .register(registry);
        Gauge.builder(EXPIRY, open, o -> seconds(o.get().soonestEnd()))
                .description(EXPIRY_HELP).tag("kind", "break_glass").baseUnit("seconds").strongReference(true)
                .register(registry);
    }

    private static double seconds(Instant time) {
        return time == null ? Double.NaN : time.getEpochSecond() + time.getNano() / 1e9;
    }
}
