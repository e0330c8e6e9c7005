package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.hsm.Hsm;
import coffre.hsm.HsmStats;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link HsmMeters} follows {@link Hsm#stats()} on every read. The HSM here answers only
 * {@code stats()} (a proxy): whether {@code RecoveringHsm} reports its breaker, sessions and
 * re-initialisations right is tested on SoftHSM by hsm-adapters' {@code HsmFaultIT}.
 */
class HsmMetersTest {
    private final AtomicReference<Optional<HsmStats>> stats = new AtomicReference<>(Optional.empty());
    private final Hsm hsm = (Hsm) Proxy.newProxyInstance(Hsm.class.getClassLoader(), new Class<?>[] {Hsm.class},
            (proxy, method, args) -> {
                if (method.getName().equals("stats")) {
                    return stats.get();
                }
                throw new UnsupportedOperationException(method.getName());
            });
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double gauge(String name) {
        return registry.get(name).tag("hsm", "softhsm2").gauge().value();
    }

    private double reinitialisations() {
        return registry.get("coffre.hsm.reinitialisations").tag("hsm", "softhsm2").functionCounter().count();
    }

    @Test
    void theGaugesFollowTheStatisticsAsTheyChange() {
        HsmMeters.bind(registry, "softhsm2", hsm);
        stats.set(Optional.of(new HsmStats(true, 3, 8, 0)));
        assertEquals(1, gauge("coffre.hsm.up"));
        assertEquals(3, gauge("coffre.hsm.sessions.in.use"));
        assertEquals(8, gauge("coffre.hsm.sessions.max"));
        assertEquals(0, reinitialisations());

        stats.set(Optional.of(new HsmStats(false, 0, 8, 0)));
        assertEquals(0, gauge("coffre.hsm.up"), "breaker open");
        assertEquals(0, gauge("coffre.hsm.sessions.in.use"));

        stats.set(Optional.of(new HsmStats(true, 1, 8, 2)));
        assertEquals(1, gauge("coffre.hsm.up"), "re-initialised");
        assertEquals(2, reinitialisations());
    }

    @Test
    void anHsmWithoutStatisticsReportsDownAndNoSessions() {
        HsmMeters.bind(registry, "softhsm2", hsm);
        assertEquals(0, gauge("coffre.hsm.up"));
        assertEquals(0, gauge("coffre.hsm.sessions.in.use"));
        assertEquals(0, gauge("coffre.hsm.sessions.max"));
        assertEquals(0, reinitialisations());
    }
}
