package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.store.AuditBulkFill;
import coffre.kms.server.testing.ForkedNode;
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
 * The audit log at volume (issue 18): a node whose own chain holds {@value #EVENTS} more events
 * (written straight into its stopped store) restarts as a process of its own with the default heap
 * ({@code -Xmx256m}), answers
 * a filtered query page by page and verifies the chain within their deadlines, and stops a
 * verification whose caller's deadline passed instead of finishing it for no one.
 */
class AuditAtVolumeIT {
    private static final long EVENTS = 1_200_000;
    /** TestServer's node id: the long chain is the node's own, read at its start. */
    private static final String NODE = "test-1";
    @TempDir
    Path dir;
    /** As deploy/lib/common.sh's COFFRE_SERVER_HEAP and COFFRE_SERVER_GC, the default of a node. */
    private static final List<String> DEFAULT_SERVER_HEAP = List.of("-Xms64m", "-Xmx256m",
            "-XX:-G1UseAdaptiveIHOP", "-XX:InitiatingHeapOccupancyPercent=70");
    private TestServer node;
    private ForkedNode forked;

    @AfterEach
    void stop() {
        if (forked != null) {
            forked.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aLongLogIsQueriedAndVerifiedWithinDeadlinesAndAnAbandonedVerifyStops() throws Exception {
        node = TestServer.start(dir);
        node.stop();
        // The node's own chain grows by EVENTS events (as if it had served them), its store closed.
        long began = System.nanoTime();
        long first;
        try (Connection c = DriverManager.getConnection(node.jdbcUrl(), "coffre", "")) {
            first = AuditBulkFill.fill(c, NODE, EVENTS, Instant.parse("2026-12-01T00:00:00Z"));
        }
        System.out.printf("AuditAtVolumeIT: %,d events written in %,d ms%n", EVENTS,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));

        // The node starts again as its own process with the heap deploy/bin/coffre-server gives it: before
        // the start-up fix, reading the chain's tail sorted every batch row and ran out of this heap.
        began = System.nanoTime();
        forked = node.fork(DEFAULT_SERVER_HEAP);
        System.out.printf("AuditAtVolumeIT: node restarted as a process (%s) in %,d ms%n", DEFAULT_SERVER_HEAP,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));

        // Every DISABLE_KEY of the rare key, in small pages: each page a call with a deadline of 5 s.
        List<AuditEvent> found = new ArrayList<>();
        String token = "";
        began = System.nanoTime();
        do {
            QueryAuditEventsResponse page = forked.adminAudit().withDeadlineAfter(5, TimeUnit.SECONDS)
                    .queryEvents(QueryAuditEventsRequest.newBuilder().setType("DISABLE_KEY")
                            .setKeyId(AuditBulkFill.RARE_KEY).setPageSize(7).setPageToken(token).build());
            found.addAll(page.getEventsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        System.out.printf("AuditAtVolumeIT: %d filtered events in pages of 7 in %,d ms%n", found.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        assertEquals(EVENTS / AuditBulkFill.RARE_EVERY, found.size());
        for (int i = 0; i < found.size(); i++) {
            assertEquals(first - 1 + (i + 1L) * AuditBulkFill.RARE_EVERY, found.get(i).getSequence());
        }

        // The newest UNWRAP of the long chain (only the bulk has UNWRAPs; its last event is a rare one).
        List<AuditEvent> newest = forked.adminAudit().withDeadlineAfter(5, TimeUnit.SECONDS)
                .queryEvents(QueryAuditEventsRequest.newBuilder().setType("UNWRAP").setNewestFirst(true).setPageSize(20)
                        .build()).getEventsList();
        assertEquals(first + EVENTS - 2, newest.get(0).getSequence());

        // Verified as a stream: progress every 100,000 events, then the result.
        began = System.nanoTime();
        List<Long> progress = new ArrayList<>();
        VerifyAuditChainResponse verified = null;
        java.util.Iterator<VerifyAuditChainProgress> messages = forked.adminAudit().withDeadlineAfter(120, TimeUnit.SECONDS)
                .verifyChainStream(VerifyAuditChainRequest.newBuilder().setNode(NODE).build());
        while (messages.hasNext()) {
            VerifyAuditChainProgress message = messages.next();
            if (message.hasResult()) {
                verified = message.getResult();
            } else {
                assertEquals(NODE, message.getNode());
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
        assertTrue(chain.getEventsChecked() >= first - 1 + EVENTS, chain.toString());

        // A caller that waits 200 ms for a verification that takes seconds: the server stops too.
        StatusRuntimeException late = assertThrows(StatusRuntimeException.class, () -> forked.adminAudit()
                .withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                .verifyChain(VerifyAuditChainRequest.newBuilder().setNode(NODE).build()));
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
            List<AuditEvent> events = forked.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                    .setType("VERIFY_AUDIT").setNewestFirst(true).setPageSize(2).build()).getEventsList();
            if (events.size() == 2 || System.nanoTime() > deadline) {
                return events.get(0);
            }
            Thread.sleep(100);
        }
    }
}
