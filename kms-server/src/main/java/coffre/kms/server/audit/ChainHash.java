package coffre.kms.server.audit;

import coffre.kms.v1.audit.AuditChainEncoding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit chain's hashing, over the canonical encoding written down in docs/audit.md and
 * implemented once in {@link AuditChainEncoding} (kms-proto), which offline verifiers share:
 * {@code hash(n) = SHA-256(previous_hash || event_bytes(n))}, the first event's previous hash being
 * 32 zero bytes. Hashes are lower-case hex.
 */
public final class ChainHash {
    /** The previous hash of a chain's first event. */
    public static final String GENESIS = AuditChainEncoding.GENESIS;

    private ChainHash() {
    }

    /** The hex hash of {@code event} at {@code sequence} of {@code node}'s chain, after {@code previousHash}. */
    public static String of(String previousHash, String node, long sequence, AuditEvent event) {
        return AuditChainEncoding.hash(previousHash, fields(node, sequence, event));
    }

    /** Chains {@code event} after {@code previousHash}. */
    public static ChainedEvent chain(String previousHash, String node, long sequence, AuditEvent event) {
        return new ChainedEvent(node, sequence, event, previousHash, of(previousHash, node, sequence, event));
    }

    /**
     * Events chained one after another, with the canonical bytes each one's hash covers (the same
     * bytes as {@link #encode}), so that a store writing records need not encode them again.
     */
    public record Chained(List<ChainedEvent> events, List<byte[]> eventBytes) {
        public Chained {
            events = List.copyOf(events);
            eventBytes = List.copyOf(eventBytes);
            if (events.isEmpty()) {
                throw new IllegalArgumentException("nothing to chain");
            }
            if (events.size() != eventBytes.size()) {
                throw new IllegalArgumentException("one encoding per event");
            }
        }

        public ChainedEvent last() {
            return events.get(events.size() - 1);
        }
    }

    /**
     * Chains {@code events} after {@code previousHash}, the first at {@code firstSequence}, encoding
     * each event once.
     */
    public static Chained chainAll(String previousHash, String node, long firstSequence, List<AuditEvent> events) {
        List<ChainedEvent> chained = new ArrayList<>(events.size());
        List<byte[]> encoded = new ArrayList<>(events.size());
        String previous = previousHash;
        long sequence = firstSequence;
        for (AuditEvent event : events) {
            byte[] bytes = eventBytes(node, sequence, event);
            String hash = AuditChainEncoding.hash(previous, bytes);
            chained.add(new ChainedEvent(node, sequence, event, previous, hash));
            encoded.add(bytes);
            previous = hash;
            sequence++;
        }
        return new Chained(chained, encoded);
    }

    static byte[] eventBytes(String node, long sequence, AuditEvent e) {
        return AuditChainEncoding.eventBytes(fields(node, sequence, e));
    }

    /** The canonical bytes of a chained event (what its hash covers after the previous hash). */
    public static byte[] encode(ChainedEvent e) {
        return eventBytes(e.node(), e.sequence(), e.event());
    }

    private static AuditChainEncoding.Fields fields(String node, long sequence, AuditEvent e) {
        return new AuditChainEncoding.Fields(node, sequence, micros(e.time()), e.type().name(), e.principal(),
                e.keyId(), e.keyVersion(), e.decision().name(), e.reasonName(), e.requestId(), e.target(), e.detail(),
                e.contextSha256(), e.latencyMicros());
    }

    /**
     * The event that {@link AuditChainEncoding#eventBytes} encoded.
     *
     * @throws IllegalArgumentException if the fields name no known type, decision or reason
     */
    public static AuditEvent event(AuditChainEncoding.Fields f) {
        return new AuditEvent(fromMicros(f.timeMicros()), AuditEventType.valueOf(f.type()), f.principal(), f.keyId(),
                f.keyVersion(), AuditDecision.valueOf(f.decision()),
                f.reason().isEmpty() ? null : coffre.kms.server.domain.ErrorReason.valueOf(f.reason()), f.requestId(),
                f.target(), f.detail(), f.contextSha256(), f.latencyMicros());
    }

    /** The bytes a checkpoint's HMAC covers. */
    public static byte[] checkpointBytes(String node, long sequence, String headHash, Instant time) {
        return AuditChainEncoding.checkpointBytes(node, sequence, headHash, micros(time));
    }

    /** Hex SHA-256 of {@code bytes}. */
    public static String sha256Hex(byte[] bytes) {
        return AuditChainEncoding.sha256Hex(bytes);
    }

    public static long micros(Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1_000);
    }

    public static Instant fromMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
