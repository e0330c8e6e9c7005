package coffre.kms.v1.audit;

import coffre.kms.v1.AuditEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The canonical encoding that each node's audit hash chain covers (docs/audit.md), shared by the
 * server, which writes the chain, and by tools that verify an export offline:
 *
 * <pre>
 * hash(n)   = SHA-256( previous_hash(32 bytes) || event_bytes(n) )       previous of the first = 32 zero bytes
 * event     = u8 1 (format) || str node || u64 sequence || i64 time (µs since the epoch, UTC)
 *             || str type || str principal || str key_id || u32 key_version || str decision || str reason
 *             || str request_id || str target || str detail || str context_sha256 || u64 latency_micros
 * checkpoint MAC = HMAC-SHA-256 inside the HSM of ( "coffre-audit-checkpoint-v1" || str node
 *                  || u64 sequence || head_hash(32 bytes) || i64 time (µs) )
 * str       = u32 length in bytes || UTF-8 bytes;  integers are big-endian
 * </pre>
 *
 * Length prefixes make the encoding injective: no two different events share bytes.
 */
public final class AuditChainEncoding {
    /** The previous hash of a chain's first event (hex). */
    public static final String GENESIS = "0".repeat(64);
    private static final byte FORMAT = 1;
    private static final byte[] CHECKPOINT_DOMAIN = "coffre-audit-checkpoint-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ANCHOR_DOMAIN = "coffre-audit-anchor-v1".getBytes(StandardCharsets.US_ASCII);
    private static final HexFormat HEX = HexFormat.of();

    private AuditChainEncoding() {
    }

    /** The fields of one event, as the hash covers them. */
    public record Fields(String node, long sequence, long timeMicros, String type, String principal, String keyId,
                         int keyVersion, String decision, String reason, String requestId, String target,
                         String detail, String contextSha256, long latencyMicros) {
    }

    /** The fields of an event as the AuditService returns it. */
    public static Fields fields(AuditEvent e) {
        long micros = Math.addExact(Math.multiplyExact(e.getTime().getSeconds(), 1_000_000L), e.getTime().getNanos() / 1_000);
        return new Fields(e.getNode(), e.getSequence(), micros, e.getType(), e.getPrincipal(), e.getKeyId(),
                e.getKeyVersion(), e.getDecision(), e.getReason(), e.getRequestId(), e.getTarget(), e.getDetail(),
                e.getContextSha256(), e.getLatencyMicros());
    }

    /** The hex hash of an event after {@code previousHash} (hex). */
    public static String hash(String previousHash, Fields f) {
        return hash(previousHash, eventBytes(f));
    }

    /** The hex hash of an event whose {@link #eventBytes} are {@code eventBytes}, after {@code previousHash} (hex). */
    public static String hash(String previousHash, byte[] eventBytes) {
        MessageDigest sha256 = sha256();
        sha256.update(HEX.parseHex(previousHash));
        sha256.update(eventBytes);
        return HEX.formatHex(sha256.digest());
    }

    public static byte[] eventBytes(Fields f) {
        Encoder out = new Encoder();
        out.u8(FORMAT);
        out.str(f.node());
        out.u64(f.sequence());
        out.u64(f.timeMicros());
        out.str(f.type());
        out.str(f.principal());
        out.str(f.keyId());
        out.u32(f.keyVersion());
        out.str(f.decision());
        out.str(f.reason());
        out.str(f.requestId());
        out.str(f.target());
        out.str(f.detail());
        out.str(f.contextSha256());
        out.u64(f.latencyMicros());
        return out.bytes();
    }

    /**
     * Reads back what {@link #eventBytes} wrote.
     *
     * @throws IllegalArgumentException if {@code bytes} is not exactly one encoded event
     */
    public static Fields decodeEvent(byte[] bytes) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        try {
            if (in.get() != FORMAT) {
                throw new IllegalArgumentException("not an audit event of format " + FORMAT);
            }
            Fields f = new Fields(str(in), in.getLong(), in.getLong(), str(in), str(in), str(in), in.getInt(), str(in),
                    str(in), str(in), str(in), str(in), str(in), in.getLong());
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes after an audit event");
            }
            return f;
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated audit event", e);
        }
    }

    private static String str(java.nio.ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("bad string length in an audit event");
        }
        byte[] utf8 = new byte[length];
        in.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** The bytes a checkpoint's HMAC covers. */
    public static byte[] checkpointBytes(String node, long sequence, String headHash, long timeMicros) {
        Encoder out = new Encoder();
        out.raw(CHECKPOINT_DOMAIN);
        out.str(node);
        out.u64(sequence);
        out.raw(HEX.parseHex(headHash));
        out.u64(timeMicros);
        return out.bytes();
    }

    /**
     * The bytes a prune anchor's HMAC covers: {@code "coffre-audit-anchor-v1" || str node || u64
     * sequence || hash (32 bytes) || i64 pruned time (µs) || u64 checkpoint sequence || archive
     * SHA-256 (32 bytes)}. Its own domain tag, so an anchor's HMAC never verifies as a
     * checkpoint's, nor the reverse.
     */
    public static byte[] anchorBytes(String node, long sequence, String hash, long prunedMicros, long checkpointSequence,
                                     String archiveSha256) {
        Encoder out = new Encoder();
        out.raw(ANCHOR_DOMAIN);
        out.str(node);
        out.u64(sequence);
        out.raw(HEX.parseHex(hash));
        out.u64(prunedMicros);
        out.u64(checkpointSequence);
        out.raw(HEX.parseHex(archiveSha256));
        return out.bytes();
    }

    /** Hex SHA-256 of {@code bytes}. */
    public static String sha256Hex(byte[] bytes) {
        return HEX.formatHex(sha256().digest(bytes));
    }

    /** One digest per thread: looking the algorithm up again for every event showed in profiles. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(AuditChainEncoding::newSha256);

    private static MessageDigest sha256() {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return digest;
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** A growable big-endian byte writer; unsynchronised (each encoding is one thread's). */
    private static final class Encoder {
        private byte[] buf = new byte[256];
        private int size;

        private void room(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        void u8(int v) {
            room(1);
            buf[size++] = (byte) v;
        }

        void u32(int v) {
            room(4);
            buf[size++] = (byte) (v >>> 24);
            buf[size++] = (byte) (v >>> 16);
            buf[size++] = (byte) (v >>> 8);
            buf[size++] = (byte) v;
        }

        void u64(long v) {
            u32((int) (v >>> 32));
            u32((int) v);
        }

        void str(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            u32(utf8.length);
            raw(utf8);
        }

        void raw(byte[] bytes) {
            room(bytes.length);
            System.arraycopy(bytes, 0, buf, size, bytes.length);
            size += bytes.length;
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, size);
        }
    }
}
