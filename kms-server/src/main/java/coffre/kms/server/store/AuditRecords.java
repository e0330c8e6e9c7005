package coffre.kms.server.store;

import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.v1.audit.AuditChainEncoding;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * The stored form of chained audit events, the same in the embedded store's journal and in the
 * database's batch rows ({@code kms_audit_batch.events}): records, one per event, back to back —
 * {@code u32 length || u32 CRC-32C of the rest || previous hash (32) || hash (32) || event bytes
 * (AuditChainEncoding)}, lengths and CRC big-endian.
 *
 * <p>The journal reads {@linkplain WholeReader strictly}: a record cut short, failing its CRC (a
 * crash in the middle of an append that was never acknowledged) or not continuing the chain of the
 * record before it (left from before the journal was emptied) ends it. The database's batches are
 * read {@linkplain #read leniently}, as evidence: an edited record is returned as it now is, for
 * the verifier to judge by its hashes; only a broken length ends a batch.
 */
public final class AuditRecords {
    private static final int HEADER = 8;
    private static final int HASHES = 64;
    private static final byte[] NO_HASH = new byte[32];
    private static final HexFormat HEX = HexFormat.of();

    private AuditRecords() {
    }

    /**
     * One stored record as it reads now.
     *
     * @param fields the event's fields, or null if its bytes no longer decode as an event
     * @param previousHash hex, empty if the record's framing is broken
     * @param hash hex, empty if the record's framing is broken
     */
    public record Stored(AuditChainEncoding.Fields fields, String previousHash, String hash) {
    }

    /** The records of {@code events}, in order. */
    public static byte[] encode(List<ChainedEvent> events) {
        return records(events, events.stream().map(ChainHash::encode).toList(), ChainedEvent::previousHash,
                ChainedEvent::hash);
    }

    /** The records of events just chained, with the event bytes their hashes were computed over. */
    public static byte[] encode(ChainHash.Chained chained) {
        return records(chained.events(), chained.eventBytes(), ChainedEvent::previousHash, ChainedEvent::hash);
    }

    /** The records of {@code stored} (kept as they are, hashes included): migrations and tests. */
    public static byte[] write(List<Stored> stored) {
        return records(stored, stored.stream().map(s -> AuditChainEncoding.eventBytes(s.fields())).toList(),
                Stored::previousHash, Stored::hash);
    }

    private static <T> byte[] records(List<T> items, List<byte[]> bodies, Function<T, String> previousHash,
                                      Function<T, String> hash) {
        long total = 0;
        for (byte[] body : bodies) {
            total += HEADER + HASHES + body.length;
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("too many audit events for one write");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total);
        for (int i = 0; i < bodies.size(); i++) {
            put(out, previousHash.apply(items.get(i)), hash.apply(items.get(i)), bodies.get(i));
        }
        return out.array();
    }

    private static void put(ByteBuffer out, String previousHash, String hash, byte[] event) {
        int start = out.position();
        out.position(start + HEADER);
        out.put(hashBytes(previousHash)).put(hashBytes(hash)).put(event);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), start + HEADER, HASHES + event.length);
        out.putInt(start, HASHES + event.length).putInt(start + 4, (int) crc.getValue());
    }

    /** A stored hash that is not 32 bytes of hex (edited outside Coffre) is kept as zeros: it links nothing. */
    private static byte[] hashBytes(String hex) {
        try {
            byte[] bytes = HEX.parseHex(hex);
            return bytes.length == 32 ? bytes : NO_HASH;
        } catch (IllegalArgumentException notHex) {
            return NO_HASH;
        }
    }

    /**
     * Reads a journal's records strictly, piece by piece (a journal is read at start, and holds up
     * to {@link AuditIndexer#JOURNAL_SYNC_BYTES} of records in a file zero-filled well past
     * them): every whole record from the start, stopping for good at the first one cut short,
     * failing its CRC, or whose previous hash is not the hash of the record before it (left from
     * an earlier use of the same bytes).
     */
    static final class WholeReader {
        private final List<ChainedEvent> events = new ArrayList<>();
        private final byte[] lastHash = new byte[32];
        private long length;
        private boolean ended;

        /**
         * Takes the whole records at {@code in}'s position, moving it past them; a record that
         * {@code in} holds only the start of is left there, for the next piece, unless {@code last}
         * says no more bytes follow (it then ends the journal).
         *
         * @return false once the journal has ended (nothing more will be taken)
         * @throws IllegalArgumentException if a record with a good CRC does not decode (not a torn write)
         */
        boolean take(ByteBuffer in, boolean last) {
            while (!ended) {
                if (in.remaining() < HEADER) {
                    ended = last;
                    break;
                }
                int at = in.position();
                int recordLength = in.getInt(at);
                int expectedCrc = in.getInt(at + 4);
                if (recordLength < HASHES) {
                    ended = true;
                    break;
                }
                if (recordLength > in.remaining() - HEADER) {
                    ended = last;
                    break;
                }
                int body = in.arrayOffset() + at + HEADER;
                byte[] array = in.array();
                CRC32C crc = new CRC32C();
                crc.update(array, body, recordLength);
                if ((int) crc.getValue() != expectedCrc
                        || !events.isEmpty() && !java.util.Arrays.equals(array, body, body + 32, lastHash, 0, 32)) {
                    ended = true;
                    break;
                }
                AuditChainEncoding.Fields f = AuditChainEncoding.decodeEvent(
                        java.util.Arrays.copyOfRange(array, body + HASHES, body + recordLength));
                events.add(new ChainedEvent(f.node(), f.sequence(), ChainHash.event(f), HEX.formatHex(array, body, body + 32),
                        HEX.formatHex(array, body + 32, body + 64)));
                System.arraycopy(array, body + 32, lastHash, 0, 32);
                in.position(at + HEADER + recordLength);
                length += HEADER + recordLength;
            }
            return !ended;
        }

        /** Bytes the record that {@code in} holds only the start of needs in all, its header included. */
        long cutRecordBytes(ByteBuffer in) {
            return in.remaining() < HEADER ? HEADER : HEADER + (long) in.getInt(in.position());
        }

        List<ChainedEvent> events() {
            return events;
        }

        /** Bytes of the whole records taken: where the next record goes. */
        long length() {
            return length;
        }
    }

    /**
     * Where each of the first {@code count} records of {@code records} ends (written here, so whole):
     * a row can then be cut between records without decoding them.
     */
    static int[] ends(byte[] records, int count) {
        int[] ends = new int[count];
        ByteBuffer in = ByteBuffer.wrap(records);
        int at = 0;
        for (int i = 0; i < count; i++) {
            at += HEADER + in.getInt(at);
            ends[i] = at;
        }
        return ends;
    }

    /**
     * Where each record of a stored batch ends, as {@link #read} cuts them (a broken length ends
     * the batch: its last entry then ends at the end of the bytes). Same length as {@code read}'s.
     */
    static int[] storedEnds(byte[] records) {
        List<Integer> ends = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(records);
        while (in.hasRemaining()) {
            int length = in.remaining() < HEADER ? -1 : in.getInt(in.position());
            if (length < HASHES || length > in.remaining() - HEADER) {
                ends.add(records.length);
                break;
            }
            in.position(in.position() + HEADER + length);
            ends.add(in.position());
        }
        return ends.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Every record of a stored batch as it reads now. An event whose bytes do not decode has null
     * fields; a broken length ends the batch with one entry without fields or hashes.
     */
    public static List<Stored> read(byte[] records) {
        ByteBuffer in = ByteBuffer.wrap(records);
        List<Stored> stored = new ArrayList<>();
        while (in.hasRemaining()) {
            if (in.remaining() < HEADER) {
                stored.add(new Stored(null, "", ""));
                break;
            }
            int length = in.getInt();
            in.getInt(); // the CRC guards the journal against torn writes; here the hashes judge
            if (length < HASHES || length > in.remaining()) {
                stored.add(new Stored(null, "", ""));
                break;
            }
            String previous = HEX.formatHex(records, in.position(), in.position() + 32);
            String hash = HEX.formatHex(records, in.position() + 32, in.position() + 64);
            byte[] event = java.util.Arrays.copyOfRange(records, in.position() + HASHES, in.position() + length);
            in.position(in.position() + length);
            AuditChainEncoding.Fields fields;
            try {
                fields = AuditChainEncoding.decodeEvent(event);
            } catch (IllegalArgumentException edited) {
                fields = null;
            }
            stored.add(new Stored(fields, previous, hash));
        }
        return stored;
    }

    /**
     * The chained events of a batch of {@code node}'s chain that starts at {@code firstSequence}:
     * a record that no longer reads as an event is {@linkplain ChainedEvent#unreadable unreadable}
     * at the sequence its place gives.
     */
    public static List<ChainedEvent> chained(List<Stored> stored, String node, long firstSequence) {
        List<ChainedEvent> events = new ArrayList<>(stored.size());
        long place = Math.max(1, firstSequence);
        for (Stored s : stored) {
            events.add(chained(s, node, place++));
        }
        return events;
    }

    static ChainedEvent chained(Stored s, String node, long place) {
        if (s.fields() == null) {
            return ChainedEvent.unreadable(node, place, s.previousHash(), s.hash());
        }
        AuditChainEncoding.Fields f = s.fields();
        long sequence = f.sequence() >= 1 ? f.sequence() : place;
        try {
            return new ChainedEvent(f.node(), sequence, ChainHash.event(f), s.previousHash(), s.hash());
        } catch (IllegalArgumentException edited) {
            return ChainedEvent.unreadable(f.node(), sequence, s.previousHash(), s.hash());
        }
    }
}
