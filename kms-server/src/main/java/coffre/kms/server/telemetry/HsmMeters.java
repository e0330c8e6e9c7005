package coffre.kms.server.telemetry;

import coffre.hsm.Hsm;
import coffre.hsm.HsmStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.ToDoubleFunction;

/**
 * The HSM's state as gauges, per {@code hsm} label: {@code coffre_hsm_up}, {@code
 * coffre_hsm_sessions_in_use}, {@code coffre_hsm_sessions_max} and the counter {@code
 * coffre_hsm_reinitialisations_total}. Why apart from {@code ObservedHsm}'s per-call meters: these
 * say what the HSM is now (breaker open, sessions exhausted) even when no call runs, read from
 * {@link Hsm#stats()}, which answers from memory and never waits for a stalled HSM.
 */
public final class HsmMeters {
    private HsmMeters() {
    }

    /**
     * Binds the gauges of {@code hsm} under {@code name} (the configured profile or token label: a
     * handful per node). An HSM that keeps no statistics reports up 0 and 0 sessions.
     */
    public static void bind(MeterRegistry registry, String name, Hsm hsm) {
        Tags tags = Tags.of("hsm", name);
        gauge(registry, "coffre.hsm.up", "1 while the HSM module is usable, 0 while calls fail fast"
                + " (breaker open, module being re-initialised)", tags, hsm, s -> s.available() ? 1 : 0);
        gauge(registry, "coffre.hsm.sessions.in.use", "HSM operation sessions lent to calls now", tags, hsm,
                HsmStats::sessionsInUse);
        gauge(registry, "coffre.hsm.sessions.max", "the most HSM operation sessions lent at once (hsm.sessions)",
                tags, hsm, HsmStats::sessionsMax);
        FunctionCounter.builder("coffre.hsm.reinitialisations", hsm,
                        h -> h.stats().map(HsmStats::reinitialisations).orElse(0L))
                .description("times the PKCS#11 module was re-opened after it failed")
                .tags(tags).register(registry);
    }

    private static void gauge(MeterRegistry registry, String name, String description, Tags tags, Hsm hsm,
                              ToDoubleFunction<HsmStats> value) {
        Gauge.builder(name, hsm, h -> h.stats().map(value::applyAsDouble).orElse(0.0))
                .description(description).tags(tags).strongReference(true).register(registry);
    }
}
