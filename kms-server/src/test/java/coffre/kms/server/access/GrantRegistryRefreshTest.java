package coffre.kms.server.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.Principal;
import coffre.kms.server.testing.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two nodes' grant views over one store: a node follows what the other created or revoked when
 * told (refresh) or at the periodic full refresh, and a stale read never undoes a revocation.
 */
class GrantRegistryRefreshTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    private static final String KEY = "key-abcdefghijklmnopqrstuvwxyz";
    private static final Principal BATCH = new Principal("spiffe://coffre.dev/batch");

    private final MutableClock clock = new MutableClock(START);
    private final InMemoryGrantStore shared = new InMemoryGrantStore();
    private final GrantRegistry nodeA = new GrantRegistry(shared, clock, new SecureRandom());
    private final GrantRegistry nodeB = new GrantRegistry(shared, clock, new SecureRandom());

    private GrantRecord grantOnA() {
        return nodeA.create(new GrantTerms(KEY, BATCH.name(), List.of("UNWRAP"), Map.of(), START,
                START.plus(Duration.ofDays(1))));
    }

    @Test
    void aGrantCreatedAndRevokedOnOneNodeIsFollowedByTheOther() {
        GrantRecord grant = grantOnA();
        assertEquals(List.of(), nodeB.unrevokedFor(KEY, BATCH), "not told yet");
        assertTrue(nodeB.refresh(grant.id()));
        assertEquals(List.of(grant), nodeB.unrevokedFor(KEY, BATCH));
        assertFalse(nodeB.refresh(grant.id()), "nothing new");

        nodeA.revoke(grant.id());
        assertTrue(nodeB.refresh(grant.id()));
        assertEquals(List.of(), nodeB.unrevokedFor(KEY, BATCH));
        assertTrue(nodeB.get(grant.id()).isRevoked());
    }

    @Test
    void theFullRefreshCatchesUpInPlaceAndNeverUndoesARevocation() {
        GrantRecord first = grantOnA();
        GrantRecord second = grantOnA();
        assertEquals(2, nodeB.refreshAll());
        assertEquals(2, nodeB.unrevokedFor(KEY, BATCH).size());

        // B revokes; A has not heard yet and holds an unrevoked copy; a stale row must not win back.
        nodeB.revoke(first.id());
        shared.rows.put(first.id(), first);
        assertEquals(0, nodeB.refreshAll(), "an unrevoked stored row never un-revokes");
        assertEquals(List.of(second), nodeB.unrevokedFor(KEY, BATCH));
    }

    @Test
    void aGrantMadeElsewhereCanBeRevokedBeforeItsAnnouncementArrives() {
        GrantRecord grant = grantOnA();
        GrantRecord revoked = nodeB.revoke(grant.id());
        assertTrue(revoked.isRevoked());
        assertTrue(shared.rows.get(grant.id()).isRevoked());
        assertTrue(nodeA.refresh(grant.id()));
        assertEquals(List.of(), nodeA.unrevokedFor(KEY, BATCH));
    }
}
