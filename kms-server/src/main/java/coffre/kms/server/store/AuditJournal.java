package coffre.kms.server.store;

import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.Store;
import coffre.kms.v1.audit.AuditChainEncoding;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The embedded store's audit write-ahead journal: an append-only file that makes a batch of audit
 * events durable with one small write and one {@code fdatasync}, so that replies need not wait for
 * the database to write and sync its pages (measured on the embedded H2 file: that sync was the
 * largest cost of every call). The database is filled from memory behind it and the journal is
 * emptied once the database has synced what it holds; at start, whatever the journal holds beyond
 * the database is written to it first.
 *
 * <p>Record: {@code u32 length || u32 CRC-32C of the rest || previous hash (32) || hash (32) ||
 * event bytes (AuditChainEncoding)}. A record cut short by a crash, or failing its CRC, ends the
 * journal: it was never acknowledged (its append had not returned).
 */
final class AuditJournal implements AutoCloseable {
    private static final int HEADER = 8;
    private static final int HASHES = 64;
    private static final HexFormat HEX = HexFormat.of();

    private final Path file;
    private final FileChannel channel;

    AuditJournal(Path file) {
        this.file = file;
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new Store.StoreException("cannot open the audit journal " + file, e);
        }
    }

    /** Appends {@code events}; durable on disk when this returns. */
    synchronized void append(List<ChainedEvent> events) {
        List<byte[]> bodies = new ArrayList<>(events.size());
        int total = 0;
        for (ChainedEvent e : events) {
            byte[] event = ChainHash.encode(e);
            byte[] body = ByteBuffer.allocate(HASHES + event.length)
                    .put(HEX.parseHex(e.previousHash())).put(HEX.parseHex(e.hash())).put(event).array();
            bodies.add(body);
            total += HEADER + body.length;
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (byte[] body : bodies) {
            CRC32C crc = new CRC32C();
            crc.update(body);
            out.putInt(body.length).putInt((int) crc.getValue()).put(body);
        }
        out.flip();
        try {
            channel.position(channel.size());
            while (out.hasRemaining()) {
                channel.write(out);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new Store.StoreException("cannot write the audit journal " + file, e);
        }
    }

    /**
     * Every whole record, in order. A torn or corrupt tail (a crash in the middle of an append that
     * was therefore never acknowledged) is cut off.
     */
    synchronized List<ChainedEvent> readAll() {
        try {
            long size = channel.size();
            ByteBuffer in = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 8));
            channel.position(0);
            while (in.hasRemaining() && channel.read(in) > 0) {
                // read it all
            }
            in.flip();
            List<ChainedEvent> events = new ArrayList<>();
            long good = 0;
            while (in.remaining() >= HEADER) {
                int length = in.getInt();
                int expectedCrc = in.getInt();
                if (length < HASHES || length > in.remaining()) {
                    break;
                }
                byte[] body = new byte[length];
                in.get(body);
                CRC32C crc = new CRC32C();
                crc.update(body);
                if ((int) crc.getValue() != expectedCrc) {
                    break;
                }
                byte[] event = java.util.Arrays.copyOfRange(body, HASHES, body.length);
                AuditChainEncoding.Fields f = AuditChainEncoding.decodeEvent(event);
                events.add(new ChainedEvent(f.node(), f.sequence(), ChainHash.event(f),
                        HEX.formatHex(body, 0, 32), HEX.formatHex(body, 32, 64)));
                good = in.position();
            }
            if (good < size) {
                channel.truncate(good);
                channel.force(false);
            }
            return events;
        } catch (IOException | IllegalArgumentException e) {
            throw new Store.StoreException("cannot read the audit journal " + file, e);
        }
    }

    /** Empties the journal: everything in it is in the database, synced. */
    synchronized void reset() {
        try {
            channel.truncate(0);
            channel.force(false);
        } catch (IOException e) {
            throw new Store.StoreException("cannot empty the audit journal " + file, e);
        }
    }

    synchronized long size() {
        try {
            return channel.size();
        } catch (IOException e) {
            throw new Store.StoreException("cannot read the audit journal " + file, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new Store.StoreException("cannot close the audit journal " + file, e);
        }
    }
}
