package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.ApprovedOperations;
import coffre.kms.server.approval.BreakGlassAllowances;
import coffre.kms.server.approval.QuorumService;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import coffre.kms.server.testing.TestOfficers;
import coffre.kms.v1.CreateGrantOperation;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.Operation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ApprovalMeters} over a real approval engine on the embedded store: votes are counted by
 * decision once recorded, and pending requests are the store's count at the last poll (expired ones
 * not counted).
 */
class ApprovalMetersTest {
    private static final Principal ADMIN = new Principal("spiffe://coffre.test/admin");
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.now());
    private final TestOfficers officers = TestOfficers.standard();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double votes(String vote) {
        return registry.get("coffre.approval.votes").tag("vote", vote).counter().count();
    }

    private double pending() {
        return registry.get("coffre.approvals.pending").gauge().value();
    }

    @Test
    void votesAreCountedByDecisionAndPendingRequestsByThePoll() {
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db")); Polled polled = new Polled(Duration.ofHours(1))) {
            KeyLifecycle lifecycle = new KeyLifecycle(new SoftwareHsm(), storage.keys(), new KeyRegistry(), clock);
            GrantRegistry grants = new GrantRegistry(storage.grants(), clock, new SecureRandom());
            ApprovedOperations approved = new ApprovedOperations(lifecycle, spec -> "not run",
                    new BreakGlassAllowances(), Duration.ofMinutes(15), clock);
            QuorumService quorum = QuorumService.open(storage.approvals(), approved, Duration.ofHours(1), clock);
            quorum.initCeremony(officers.signedCeremony());
            ApprovalMeters.bind(registry, quorum, polled);
            polled.refreshNow();
            assertEquals(0, pending());

            Approval first = submit(quorum, "spiffe://coffre.test/a");
            Approval second = submit(quorum, "spiffe://coffre.test/b");
            polled.refreshNow();
            assertEquals(2, pending());

            quorum.vote(officers.get("alice").ballot(first, Decision.APPROVE, clock.instant()), ADMIN);
            quorum.vote(officers.get("carol").ballot(second, Decision.REJECT, clock.instant()), ADMIN);
            assertEquals(1, votes("approve"));
            assertEquals(1, votes("reject"));
            polled.refreshNow();
            assertEquals(1, pending(), "the rejected one is closed; one approval of two leaves the other waiting");

            clock.advance(Duration.ofHours(2));
            polled.refreshNow();
            assertEquals(0, pending(), "past its expiry, even before the job closes it");
        }
    }

    private Approval submit(QuorumService quorum, String principal) {
        Instant now = clock.instant();
        return quorum.submit(Operation.newBuilder().setCreateGrant(CreateGrantOperation.newBuilder()
                .setGrant(GrantSpec.newBuilder().setKeyId("key-abcdefghijklmnopqrstuvwxyz").setPrincipal(principal)
                        .addOperations(DataOperation.UNWRAP).setNotBefore(TestOfficers.timestamp(now))
                        .setNotAfter(TestOfficers.timestamp(now.plus(Duration.ofDays(1)))))).build(), ADMIN);
    }
}
