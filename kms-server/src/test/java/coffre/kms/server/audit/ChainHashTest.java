package coffre.kms.server.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.domain.ErrorReason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The encoding documented in docs/audit.md, rebuilt here from the text, must be the one hashed. */
class ChainHashTest {
    private static final AuditEvent EVENT = new AuditEvent(Instant.parse("2026-11-28T10:00:00.123456789Z"),
            AuditEventType.UNWRAP, "spiffe://c/é", "key-abc", 3, AuditDecision.DENIED, ErrorReason.DECRYPTION_FAILED,
            "req-1", "apr-x", "officer=alice", "ab".repeat(32), 1234);

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(4).putInt(utf8.length).array());
        out.writeBytes(utf8);
    }

    @Test
    void encodingFollowsTheDocumentedLayout() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1);
        str(out, "node-1");
        out.writeBytes(ByteBuffer.allocate(8).putLong(42).array());
        out.writeBytes(ByteBuffer.allocate(8).putLong(1_795_860_000_123_456L).array());
        for (String s : List.of("UNWRAP", "spiffe://c/é", "key-abc")) {
            str(out, s);
        }
        out.writeBytes(ByteBuffer.allocate(4).putInt(3).array());
        for (String s : List.of("DENIED", "DECRYPTION_FAILED", "req-1", "apr-x", "officer=alice", "ab".repeat(32))) {
            str(out, s);
        }
        out.writeBytes(ByteBuffer.allocate(8).putLong(1234).array());
        assertArrayEquals(out.toByteArray(), ChainHash.eventBytes("node-1", 42, EVENT));

        byte[] previous = new byte[32];
        previous[0] = 7;
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(previous);
        sha.update(out.toByteArray());
        assertEquals(HexFormat.of().formatHex(sha.digest()),
                ChainHash.of(HexFormat.of().formatHex(previous), "node-1", 42, EVENT));
    }

    @Test
    void chainingAllAtOnceGivesTheSameChainAndTheBytesEachHashCovers() {
        List<AuditEvent> events = List.of(EVENT, AuditEvent.system(EVENT.time().plusSeconds(1),
                AuditEventType.KEY_DESTROYED, "key-abc", ""), EVENT);
        String previous = "07" + "00".repeat(31);
        ChainHash.Chained chained = ChainHash.chainAll(previous, "node-1", 42, events);
        assertEquals(3, chained.events().size());
        for (int i = 0; i < events.size(); i++) {
            ChainedEvent one = ChainHash.chain(previous, "node-1", 42 + i, events.get(i));
            assertEquals(one, chained.events().get(i));
            assertArrayEquals(ChainHash.encode(one), chained.eventBytes().get(i));
            previous = one.hash();
        }
        assertEquals(previous, chained.last().hash());
        assertThrows(IllegalArgumentException.class, () -> ChainHash.chainAll(ChainHash.GENESIS, "n", 1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ChainHash.Chained(List.of(), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new ChainHash.Chained(chained.events(), chained.eventBytes().subList(0, 2)));
    }

    @Test
    void everyFieldChangesTheHash() {
        String base = ChainHash.of(ChainHash.GENESIS, "n", 1, EVENT);
        List<UnaryOperator<AuditEvent>> edits = List.of(
                e -> with(e, e.time().plusNanos(1000), e.principal(), e.detail(), e.latencyMicros()),
                e -> with(e, e.time(), e.principal() + "x", e.detail(), e.latencyMicros()),
                e -> with(e, e.time(), e.principal(), e.detail() + "x", e.latencyMicros()),
                e -> with(e, e.time(), e.principal(), e.detail(), e.latencyMicros() + 1));
        for (UnaryOperator<AuditEvent> edit : edits) {
            assertNotEquals(base, ChainHash.of(ChainHash.GENESIS, "n", 1, edit.apply(EVENT)));
        }
        assertNotEquals(base, ChainHash.of(ChainHash.GENESIS, "n", 2, EVENT));
        assertNotEquals(base, ChainHash.of(ChainHash.GENESIS, "m", 1, EVENT));
        assertNotEquals(base, ChainHash.of("1" + ChainHash.GENESIS.substring(1), "n", 1, EVENT));
    }

    @Test
    void lengthPrefixesKeepNeighbouringFieldsApart() {
        AuditEvent a = with(EVENT, EVENT.time(), "ab", "c", 0);
        AuditEvent b = with(EVENT, EVENT.time(), "a", "bc", 0);
        assertNotEquals(ChainHash.of(ChainHash.GENESIS, "n", 1, a), ChainHash.of(ChainHash.GENESIS, "n", 1, b));
    }

    @Test
    void timesKeepMicrosecondsBothWays() {
        Instant t = Instant.parse("1969-12-31T23:59:59.999999Z");
        assertEquals(t, ChainHash.fromMicros(ChainHash.micros(t)));
        assertEquals(Instant.parse("2026-11-28T10:00:00.123456Z"), EVENT.time());
    }

    private static AuditEvent with(AuditEvent e, Instant time, String principal, String detail, long latency) {
        return new AuditEvent(time, e.type(), principal, e.keyId(), e.keyVersion(), e.decision(), e.reason(),
                e.requestId(), e.target(), detail, e.contextSha256(), latency);
    }
}
