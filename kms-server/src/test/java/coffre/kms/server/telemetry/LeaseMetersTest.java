package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.access.GrantTerms;
import coffre.kms.server.approval.BreakGlassAllowances;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import coffre.kms.v1.Operation;
import coffre.kms.v1.UnwrapOnceOperation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LeaseMeters}: live grants and open break-glass allowances are counted, and the soonest end
 * of each kind follows creation, revocation, use and the passing of time (NaN when none is live).
 */
class LeaseMetersTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private double soonest(String kind) {
        return registry.get("coffre.lease.soonest.expiry.timestamp.seconds").tag("kind", kind).gauge().value();
    }

    private double at(Duration fromStart) {
        return Instant.parse("2026-12-07T10:00:00Z").plus(fromStart).getEpochSecond();
    }

    @Test
    void grantsAreCountedWhileLiveAndTheSoonestEndFollowsThem() {
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            KeyMetadata key = new KeyLifecycle(new SoftwareHsm(), storage.keys(), new KeyRegistry(), clock)
                    .create(new KeyAttributes(null, "k", Map.of()));
            GrantRegistry grants = new GrantRegistry(storage.grants(), clock, new SecureRandom());
            LeaseMeters.bind(registry, grants, new BreakGlassAllowances(), clock, 0);
            assertEquals(0, gauge("coffre.grants.active"));
            assertTrue(Double.isNaN(soonest("grant")), "no grant, no expiry");

            Instant start = clock.instant();
            GrantRecord hour = grants.create(terms(key, null, start.plus(Duration.ofHours(1))));
            grants.create(terms(key, null, start.plus(Duration.ofHours(5))));
            grants.create(terms(key, start.plus(Duration.ofHours(2)), start.plus(Duration.ofHours(3))));
            assertEquals(2, gauge("coffre.grants.active"), "the third is not live yet");
            assertEquals(at(Duration.ofHours(1)), soonest("grant"));

            grants.revoke(hour.id());
            assertEquals(1, gauge("coffre.grants.active"));
            assertEquals(at(Duration.ofHours(5)), soonest("grant"), "the revoked one no longer counts");

            clock.advance(Duration.ofMinutes(150));
            assertEquals(2, gauge("coffre.grants.active"), "the third is live now");
            assertEquals(at(Duration.ofHours(3)), soonest("grant"));
            clock.advance(Duration.ofHours(3));
            assertEquals(0, gauge("coffre.grants.active"), "all ended");
            assertTrue(Double.isNaN(soonest("grant")));
        }
    }

    private static GrantTerms terms(KeyMetadata key, Instant notBefore, Instant notAfter) {
        return new GrantTerms(key.id().value(), "spiffe://coffre.test/app", List.of("UNWRAP"), Map.of(), notBefore,
                notAfter);
    }

    @Test
    void breakGlassAllowancesAreCountedUntilUsedOrClosed() {
        BreakGlassAllowances allowances = new BreakGlassAllowances();
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            LeaseMeters.bind(registry, new GrantRegistry(storage.grants(), clock, new SecureRandom()), allowances,
                    clock, 0);
        }
        assertEquals(0, gauge("coffre.break.glass.allowances.active"));
        assertTrue(Double.isNaN(soonest("break_glass")));
        Operation first = unwrapOnce("aa");
        Operation second = unwrapOnce("bb");
        allowances.allow(first, clock.instant().plus(Duration.ofMinutes(15)));
        allowances.allow(second, clock.instant().plus(Duration.ofMinutes(10)));
        assertEquals(2, gauge("coffre.break.glass.allowances.active"));
        assertEquals(at(Duration.ofMinutes(10)), soonest("break_glass"));

        assertTrue(allowances.consume(second, clock.instant()));
        assertEquals(1, gauge("coffre.break.glass.allowances.active"), "used up");
        assertEquals(at(Duration.ofMinutes(15)), soonest("break_glass"));
        clock.advance(Duration.ofMinutes(16));
        assertEquals(0, gauge("coffre.break.glass.allowances.active"), "its window closed");
        assertTrue(Double.isNaN(soonest("break_glass")));
    }

    private static Operation unwrapOnce(String envelopeHex) {
        return Operation.newBuilder().setUnwrapOnce(UnwrapOnceOperation.newBuilder()
                .setPrincipal("spiffe://coffre.test/app").setKeyId("key-abcdefghijklmnopqrstuvwxyz").setKeyVersion(1)
                .setEnvelopeSha256(com.google.protobuf.ByteString.copyFrom(java.util.HexFormat.of().parseHex(envelopeHex))))
                .build();
    }
}
