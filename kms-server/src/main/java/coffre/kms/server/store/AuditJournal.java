package coffre.kms.server.store;

import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.Store;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The embedded store's audit write-ahead journal: an append-only file that makes a batch of audit
 * events durable with one small write and one {@code fdatasync}, so that replies need not wait for
 * the database to write and sync its pages (measured on the embedded H2 file: that sync was the
 * largest cost of every call). The database is filled from memory behind it and the journal is
 * emptied once the database has synced what it holds; at start, whatever the journal holds beyond
 * the database is written to it first.
 *
 * <p>It holds {@link AuditRecords}, the same bytes the database's batch rows hold. A record cut
 * short by a crash, or failing its CRC, ends the journal: it was never acknowledged (its append had
 * not returned).
 */
final class AuditJournal implements AutoCloseable {
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

    /** Appends {@code records} ({@link AuditRecords}); durable on disk when this returns. */
    synchronized void append(byte[] records) {
        ByteBuffer out = ByteBuffer.wrap(records);
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
            AuditRecords.Whole whole = AuditRecords.readWhole(in);
            if (whole.length() < size) {
                channel.truncate(whole.length());
                channel.force(false);
            }
            return whole.events();
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
