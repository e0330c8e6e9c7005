package coffre.kms.v1.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.AuditAnchorRecord;
import coffre.kms.v1.AuditCheckpointRecord;
import coffre.kms.v1.AuditEvent;
import com.google.protobuf.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link OfflineChainCheck} on archives: a chain that starts after a prune anchor, and the
 * checkpoints an archive carries (what {@code coffre audit verify-export} and {@code audit prune}
 * rely on).
 */
class AuditRetentionArchiveCheckTest {

    /** Events 1..{@code last} of node n1, properly chained. */
    private static List<AuditEvent> chain(int last) {
        List<AuditEvent> events = new ArrayList<>();
        String previous = AuditChainEncoding.GENESIS;
        for (int seq = 1; seq <= last; seq++) {
            AuditEvent unhashed = AuditEvent.newBuilder().setNode("n1").setSequence(seq)
                    .setTime(Timestamp.newBuilder().setSeconds(1_765_000_000L + seq)).setType("WRAP")
                    .setPrincipal("spiffe://t/app").setKeyId("key-a").setKeyVersion(1).setDecision("ALLOWED")
                    .setRequestId("r" + seq).setLatencyMicros(5).setPreviousHash(previous).build();
            String hash = AuditChainEncoding.hash(previous, AuditChainEncoding.fields(unhashed));
            events.add(unhashed.toBuilder().setHash(hash).build());
            previous = hash;
        }
        return events;
    }

    private static AuditCheckpointRecord checkpoint(AuditEvent at) {
        return AuditCheckpointRecord.newBuilder().setNode("n1").setSequence(at.getSequence()).setHeadHash(at.getHash())
                .setMac("00").build();
    }

    private static AuditAnchorRecord anchor(AuditEvent at) {
        return AuditAnchorRecord.newBuilder().setNode("n1").setSequence(at.getSequence()).setHash(at.getHash())
                .setCheckpointSequence(at.getSequence()).setMac("00").build();
    }

    @Test
    void anArchiveFromAnAnchorVerifiesAndIsSealedThroughItsLastCheckpoint() {
        List<AuditEvent> all = chain(20);
        List<AuditEvent> archived = new ArrayList<>(all.subList(10, 20));
        OfflineChainCheck.Result r = OfflineChainCheck.check(archived, List.of(checkpoint(all.get(14)),
                checkpoint(all.get(19))), List.of(anchor(all.get(9)))).get(0);
        assertTrue(r.valid(), r.toString());
        assertEquals(10, r.anchor());
        assertEquals(11, r.firstSequence());
        assertEquals(20, r.sealedThrough());
    }

    @Test
    void aFirstEventThatDoesNotFollowTheAnchorIsNamed() {
        List<AuditEvent> all = chain(20);
        OfflineChainCheck.Result gap = OfflineChainCheck.check(new ArrayList<>(all.subList(11, 20)), List.of(),
                List.of(anchor(all.get(9)))).get(0);
        assertEquals("MISSING", gap.problem());
        assertEquals(11, gap.firstBad());
        OfflineChainCheck.Result wrongAnchor = OfflineChainCheck.check(new ArrayList<>(all.subList(10, 20)), List.of(),
                List.of(anchor(all.get(8)).toBuilder().setSequence(10).build())).get(0);
        assertEquals("BROKEN_LINK", wrongAnchor.problem());
        assertEquals(11, wrongAnchor.firstBad());
    }

    @Test
    void aCheckpointThatNamesAnotherHashIsNamed() {
        List<AuditEvent> all = chain(10);
        OfflineChainCheck.Result r = OfflineChainCheck.check(new ArrayList<>(all), List.of(checkpoint(all.get(4)),
                checkpoint(all.get(9)).toBuilder().setHeadHash(all.get(8).getHash()).build()), List.of()).get(0);
        assertEquals("REWRITTEN", r.problem());
        assertEquals(10, r.firstBad());
    }

    @Test
    void aCheckpointOfAnEventOutsideTheFileSealsNothing() {
        List<AuditEvent> all = chain(10);
        OfflineChainCheck.Result r = OfflineChainCheck.check(new ArrayList<>(all.subList(0, 5)),
                List.of(checkpoint(all.get(9))), List.of()).get(0);
        assertTrue(r.valid());
        assertEquals(0, r.sealedThrough());
    }
}
