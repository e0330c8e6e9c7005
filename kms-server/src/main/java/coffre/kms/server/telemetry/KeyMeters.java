package coffre.kms.server.telemetry;

import coffre.kms.server.keys.KeyCensus;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.KeyState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The keys as gauges: {@code coffre_keys{state}} (one series per {@link KeyState}) and {@code
 * coffre_key_deletions_due}, the scheduled deletions whose date has passed and that the deletion
 * job has not carried out yet (it retries while the HSM or the store fails). Counted from the
 * in-memory registry, once per scrape for all of them ({@link Memo}).
 */
public final class KeyMeters {
    private KeyMeters() {
    }

    public static void bind(MeterRegistry registry, KeyRegistry keys, Clock clock) {
        bind(registry, keys, clock, NodeMeters.SCRAPE_TTL_NANOS);
    }

    /** @param reuseNanos how long one count serves (0 in tests: every read counts) */
    static void bind(MeterRegistry registry, KeyRegistry keys, Clock clock, long reuseNanos) {
        Supplier<KeyCensus> census = new Memo<>(() -> keys.census(clock.instant()), reuseNanos);
        for (KeyState state : KeyState.values()) {
            Gauge.builder("coffre.keys", census, c -> c.get().count(state))
                    .description("keys this node knows, by state").tag("state", state.name())
                    .strongReference(true).register(registry);
        }
        Gauge.builder("coffre.key.deletions.due", census, c -> c.get().deletionsDue())
                .description("keys pending deletion whose deletion time has passed, not destroyed yet")
                .strongReference(true).register(registry);
    }
}
