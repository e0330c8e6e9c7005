package coffre.kms.server.telemetry;

import coffre.kms.server.health.Readiness;
import coffre.kms.server.store.Storage;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The store's meters: HikariCP's own ({@code hikaricp_connections_active{pool}}, {@code _idle},
 * {@code _pending}, {@code _max}, {@code hikaricp_connections_timeout_total}, {@code
 * hikaricp_connections_acquire_seconds}...), which the pool records itself through its Micrometer
 * tracker, and {@code coffre_store_errors_total}: calls that failed because the store was
 * unavailable, as {@link Readiness} counts them (every edge reports those failures to it).
 */
public final class StoreMeters {
    private StoreMeters() {
    }

    /** Binds the pool of {@code storage} (once per pool) and the store error count of {@code readiness}. */
    public static void bind(MeterRegistry registry, Storage storage, Readiness readiness) {
        storage.trackPool(new MicrometerMetricsTrackerFactory(registry));
        FunctionCounter.builder("coffre.store.errors", readiness, Readiness::storeFailures)
                .description("calls that failed because the store was unavailable (STORE_UNAVAILABLE)")
                .register(registry);
    }
}
