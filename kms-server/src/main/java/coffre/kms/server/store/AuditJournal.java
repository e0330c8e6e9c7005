package coffre.kms.server.store;

import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.StoreException;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The embedded store's audit write-ahead journal: a file that makes a batch of audit events durable
 * with one synchronous write, so that replies need not wait for the database to write and sync its
 * pages (measured on the embedded H2 file: that sync was the largest cost of every call). The
 * database is filled from memory behind it and the journal is emptied once the database has synced
 * what it holds; at start, whatever the journal holds beyond the database is written to it first.
 *
 * <p>It holds {@link AuditRecords}, the same bytes the database's batch rows hold, from the start
 * of the file. A record cut short by a crash, failing its CRC, or not continuing the hash chain of
 * the record before it ends the journal: it was never acknowledged (its append had not returned),
 * or it is left from before the journal was last emptied.
 *
 * <p>How a write is made cheap (each call's answer waits for one): the file is zero-filled ahead of
 * the records ({@value #PREALLOCATED_BYTES} bytes, more when needed), so that a write never changes
 * the file's size and its sync has no metadata to write; and it is opened with {@code O_DSYNC}
 * and, where the file system allows it, {@code O_DIRECT}, so each append is one {@code pwrite} of
 * whole blocks (the last, partial block written again with the new records) that returns once the
 * device holds it. Measured on this project's 2-core VM (ext4 on virtio): 4 KiB appended then
 * {@code fdatasync}ed took 455-493 µs and 123 µs of CPU; written in place with
 * {@code O_DIRECT|O_DSYNC}, 272-275 µs and 50 µs.
 */
final class AuditJournal implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditJournal.class.getName());
    /** Zero-filled ahead, when emptied and when an append reaches the end: twice the size at which the store empties it. */
    static final long PREALLOCATED_BYTES = 2 * AuditIndexer.JOURNAL_SYNC_BYTES;
    private static final int ZERO_FILL_BYTES = 1 << 20;
    /** Read at start a piece at a time: the file is zero-filled far past its records. */
    private static final int READ_PIECE_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final int block;
    /** Block-aligned; holds the bytes of the journal's last, partial block at its start. */
    private ByteBuffer buffer;
    /** Where the next record goes. */
    private long end;
    /** Bytes of the file known to be written (zeros or records; a block, past the end): writes below never grow it. */
    private long filled;

    AuditJournal(Path file) {
        this(file, true);
    }

    /** {@code tryDirectIo} false: {@code O_DSYNC} writes only, as on a file system that refuses {@code O_DIRECT}. */
    AuditJournal(Path file, boolean tryDirectIo) {
        this.file = file;
        try {
            FileChannel opened = open(file);
            this.block = Math.toIntExact(Math.max(512, Files.getFileStore(file).getBlockSize()));
            this.filled = (opened.size() + block - 1) / block * block;
            FileChannel direct = null;
            try {
                if (!tryDirectIo) {
                    throw new UnsupportedOperationException("not asked for");
                }
                direct = open(file, ExtendedOpenOption.DIRECT);
                // A block of zeros past the records: proves the alignment before anything depends on it.
                writeFully(direct, aligned(block), filled);
                filled += block;
                opened.close();
                opened = direct;
                LOG.log(System.Logger.Level.INFO, "audit journal {0}: synchronous direct writes (O_DIRECT|O_DSYNC)", file);
            } catch (IOException | UnsupportedOperationException noDirectIo) {
                // tmpfs and some others refuse O_DIRECT: O_DSYNC alone is as durable, a little dearer.
                if (direct != null) {
                    direct.close();
                }
                LOG.log(System.Logger.Level.INFO, "audit journal {0}: synchronous writes (O_DSYNC; O_DIRECT refused: "
                        + "{1})", file, noDirectIo.toString());
            }
            this.channel = opened;
        } catch (IOException e) {
            throw new StoreException("cannot open the audit journal " + file, e);
        }
        this.buffer = aligned(4 * block);
        this.end = 0;
    }

    private static FileChannel open(Path file, OpenOption... extra) throws IOException {
        OpenOption[] options = new OpenOption[3 + extra.length];
        options[0] = StandardOpenOption.CREATE;
        options[1] = StandardOpenOption.WRITE;
        options[2] = StandardOpenOption.DSYNC;
        System.arraycopy(extra, 0, options, 3, extra.length);
        return FileChannel.open(file, options);
    }

    /** Zeroed, its address a multiple of the block size. */
    private ByteBuffer aligned(int capacity) {
        return ByteBuffer.allocateDirect(capacity + block).alignedSlice(block);
    }

    /**
     * Appends {@code records} ({@link AuditRecords}) after the last whole record; durable on disk
     * when this returns. If it throws, the journal ends where it did before.
     */
    synchronized void append(byte[] records) {
        long blockStart = end / block * block;
        int head = (int) (end - blockStart);
        int length = head + records.length;
        int writeLength = (length + block - 1) / block * block;
        if (buffer.capacity() < writeLength) {
            ByteBuffer bigger = aligned(writeLength);
            bigger.put(0, buffer, 0, head);
            buffer = bigger;
        }
        buffer.clear();
        buffer.put(head, records);
        for (int i = length; i < writeLength; i++) {
            buffer.put(i, (byte) 0);
        }
        buffer.limit(writeLength);
        try {
            if (blockStart + writeLength > filled) {
                fillTo(blockStart + writeLength + PREALLOCATED_BYTES);
            }
            writeFully(buffer, blockStart);
        } catch (IOException e) {
            throw new StoreException("cannot write the audit journal " + file, e);
        }
        end += records.length;
        long newBlockStart = end / block * block;
        int newHead = (int) (end - newBlockStart);
        if (newBlockStart > blockStart && newHead > 0) {
            buffer.put(0, buffer, (int) (newBlockStart - blockStart), newHead);
        }
    }

    /** Zero-fills the file from what is filled up to {@code upTo} bytes (rounded up to a block). */
    private void fillTo(long upTo) throws IOException {
        if (upTo <= filled) {
            return;
        }
        long target = (upTo + block - 1) / block * block;
        ByteBuffer zeros = aligned(ZERO_FILL_BYTES);
        while (filled < target) {
            zeros.clear().limit((int) Math.min(ZERO_FILL_BYTES, target - filled));
            writeFully(zeros, filled);
            filled += zeros.limit();
        }
    }

    private void writeFully(ByteBuffer bytes, long position) throws IOException {
        writeFully(channel, bytes, position);
    }

    private static void writeFully(FileChannel to, ByteBuffer bytes, long position) throws IOException {
        long at = position;
        while (bytes.hasRemaining()) {
            at += to.write(bytes, at);
        }
    }

    /**
     * Every whole record, in order, from the start of the file; appends go after the last one. A
     * torn or corrupt tail (a crash in the middle of an append that was therefore never
     * acknowledged), or records left from before the journal was emptied, are not returned and are
     * overwritten by the next append.
     */
    synchronized List<ChainedEvent> readAll() {
        return readAll(READ_PIECE_BYTES);
    }

    /** As above, reading the file {@code pieceBytes} at a time (more for a record that is larger). */
    synchronized List<ChainedEvent> readAll(int pieceBytes) {
        try (FileChannel reader = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = reader.size();
            AuditRecords.WholeReader records = new AuditRecords.WholeReader();
            ByteBuffer piece = ByteBuffer.allocate((int) Math.min(size, pieceBytes));
            long pieceStart = 0;
            while (true) {
                while (piece.hasRemaining() && reader.read(piece, pieceStart + piece.position()) > 0) {
                    // fill the piece
                }
                piece.flip();
                boolean last = pieceStart + piece.limit() >= size;
                if (!records.take(piece, last) || last) {
                    break;
                }
                // The record the piece cut goes to the front of the next one (a larger one if it must);
                // one that would reach past the file's end is torn, and ends the journal.
                long cut = records.cutRecordBytes(piece);
                pieceStart += piece.position();
                if (cut > size - pieceStart) {
                    break;
                }
                piece.compact();
                if (cut > piece.capacity()) {
                    ByteBuffer larger = ByteBuffer.allocate((int) cut);
                    larger.put(piece.flip());
                    piece = larger;
                }
            }
            end = records.length();
            long blockStart = end / block * block;
            buffer.clear().limit((int) (end - blockStart));
            while (buffer.hasRemaining() && reader.read(buffer, blockStart + buffer.position()) > 0) {
                // the last, partial block: appends write it again with the new records
            }
            buffer.clear();
            return records.events();
        } catch (IOException | IllegalArgumentException e) {
            throw new StoreException("cannot read the audit journal " + file, e);
        }
    }

    /** Empties the journal: everything in it is in the database, synced. Its first block is zeroed. */
    synchronized void reset() {
        try {
            fillTo(PREALLOCATED_BYTES);
            ByteBuffer zeros = aligned(block);
            writeFully(zeros, 0);
        } catch (IOException e) {
            throw new StoreException("cannot empty the audit journal " + file, e);
        }
        end = 0;
    }

    /** Bytes of records in the journal. */
    synchronized long size() {
        return end;
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new StoreException("cannot close the audit journal " + file, e);
        }
    }
}
