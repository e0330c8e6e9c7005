package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.store.AuditBulkFill;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.ChainVerification;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.QueryAuditEventsResponse;
import coffre.kms.v1.VerifyAuditChainProgress;
import coffre.kms.v1.VerifyAuditChainRequest;
import coffre.kms.v1.VerifyAuditChainResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log at volume (issue 18): a node whose store holds {@value #EVENTS} events of another
 * chain (written straight into the store, as a cluster's other node would have) restarts, answers
 * a filtered query page by page and verifies the chain within their deadlines, and stops a
 * verification whose caller's deadline passed instead of finishing it for no one.
 */
class AuditAtVolumeIT {
    private static final long EVENTS = 1_200_000;
    private static final String BULK = "bulk-node";
    @TempDir
    Path dir;
    private TestServer node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aLongLogIsQueriedAndVerifiedWithinDeadlinesAndAnAbandonedVerifyStops() throws Exception {
        node = TestServer.start(dir);
        long began = System.nanoTime();
        try (Connection c = DriverManager.getConnection(node.jdbcUrl(), "coffre", "")) {
            AuditBulkFill.fill(c, BULK, EVENTS, Instant.parse("2026-12-01T00:00:00Z"));
        }
        System.out.printf("AuditAtVolumeIT: %,d events written in %,d ms%n", EVENTS,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        began = System.nanoTime();
        node.restart();
        System.out.printf("AuditAtVolumeIT: node restarted in %,d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));

        // Every DISABLE_KEY of the rare key, in small pages: each page a call with a deadline of 5 s.
        List<AuditEvent> found = new ArrayList<>();
        String token = "";
        began = System.nanoTime();
        do {
            QueryAuditEventsResponse page = node.adminAudit().withDeadlineAfter(5, TimeUnit.SECONDS)
                    .queryEvents(QueryAuditEventsRequest.newBuilder().setType("DISABLE_KEY")
                            .setKeyId(AuditBulkFill.RARE_KEY).setPageSize(7).setPageToken(token).build());
            found.addAll(page.getEventsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        System.out.printf("AuditAtVolumeIT: %d filtered events in pages of 7 in %,d ms%n", found.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        assertEquals(EVENTS / AuditBulkFill.RARE_EVERY, found.size());
        for (int i = 0; i < found.size(); i++) {
            assertEquals((i + 1L) * AuditBulkFill.RARE_EVERY, found.get(i).getSequence());
        }

        // The newest page of the long chain, and one from its middle.
        List<AuditEvent> newest = node.adminAudit().withDeadlineAfter(5, TimeUnit.SECONDS)
                .queryEvents(QueryAuditEventsRequest.newBuilder().setNode(BULK).setNewestFirst(true).setPageSize(20).build())
                .getEventsList();
        assertEquals(EVENTS, newest.get(0).getSequence());

        // Verified as a stream: progress every 100,000 events, then the result.
        began = System.nanoTime();
        List<Long> progress = new ArrayList<>();
        VerifyAuditChainResponse verified = null;
        java.util.Iterator<VerifyAuditChainProgress> messages = node.adminAudit().withDeadlineAfter(120, TimeUnit.SECONDS)
                .verifyChainStream(VerifyAuditChainRequest.newBuilder().setNode(BULK).build());
        while (messages.hasNext()) {
            VerifyAuditChainProgress message = messages.next();
            if (message.hasResult()) {
                verified = message.getResult();
            } else {
                assertEquals(BULK, message.getNode());
                progress.add(message.getEventsChecked());
            }
        }
        long verifyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        System.out.printf("AuditAtVolumeIT: verified %,d events in %,d ms (%d progress messages)%n", EVENTS,
                verifyMillis, progress.size());
        List<Long> expectedProgress = new ArrayList<>();
        for (long n = 100_000; n <= EVENTS; n += 100_000) {
            expectedProgress.add(n);
        }
        assertEquals(expectedProgress, progress);
        assertTrue(verified != null, "the stream ends with the result");
        ChainVerification chain = verified.getChains(0);
        assertTrue(verified.getValid(), chain.getDetail());
        assertEquals(EVENTS, chain.getEventsChecked());

        // A caller that waits 200 ms for a verification that takes seconds: the server stops too.
        StatusRuntimeException late = assertThrows(StatusRuntimeException.class, () -> node.adminAudit()
                .withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                .verifyChain(VerifyAuditChainRequest.newBuilder().setNode(BULK).build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, late.getStatus().getCode());
        AuditEvent stopped = lastVerifyEvent();
        assertEquals("FAILED", stopped.getDecision(), stopped.toString());
        assertTrue(Set.of("DEADLINE_EXCEEDED", "CANCELLED").contains(stopped.getReason()), stopped.toString());
    }

    /**
     * The audit event of the last verification, once it has one that is not the completed one
     * before it: it is written when the server stops the work (or, had it not, when it finished).
     */
    private AuditEvent lastVerifyEvent() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<AuditEvent> events = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                    .setType("VERIFY_AUDIT").setNewestFirst(true).setPageSize(2).build()).getEventsList();
            if (events.size() == 2 || System.nanoTime() > deadline) {
                return events.get(0);
            }
            Thread.sleep(100);
        }
    }
}
