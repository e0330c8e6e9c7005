package coffre.kms.client.envelope;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;

/**
 * Encrypts a generated stream of N bytes and decrypts it again on the fly, without ever holding more
 * than a few segments, and prints what came out: run in a JVM of a small heap by
 * {@link BoundedHeapEnvelopeTest} to show that memory does not grow with the stream. Prints
 * {@code bytes=N in=CRC out=CRC maxHeap=B seconds=S}.
 */
public final class StreamThroughMain {
    private static final byte[] END = new byte[0];

    private StreamThroughMain() {
    }

    public static void main(String[] args) throws Exception {
        long total = Long.parseLong(args[0]);
        Map<String, String> context = Map.of("file", "big.bin");
        CoffreEnvelope envelope = new CoffreEnvelope(new LocalDataKeys());
        BlockingQueue<byte[]> pipe = new ArrayBlockingQueue<>(16);
        CRC32C in = new CRC32C();
        CRC32C out = new CRC32C();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long started = System.nanoTime();

        Thread encryptor = new Thread(() -> {
            try {
                envelope.encrypt("alias/big", context, new Pattern(total, in), new QueueOutput(pipe));
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                putQuietly(pipe, END);
            }
        }, "encryptor");
        encryptor.start();
        Counting sink = new Counting(out);
        envelope.decrypt(context, new QueueInput(pipe), sink);
        encryptor.join();
        if (failure.get() != null) {
            throw new IllegalStateException("encryption failed", failure.get());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("bytes=%d in=%08x out=%08x maxHeap=%d peakHeapPools=%d seconds=%.1f%n", sink.count,
                in.getValue(), out.getValue(), Runtime.getRuntime().maxMemory(), peak, seconds);
    }

    private static void putQuietly(BlockingQueue<byte[]> pipe, byte[] chunk) {
        try {
            pipe.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** N bytes of a repeated random 1 MiB block, checksummed as they are read. */
    private static final class Pattern extends InputStream {
        private final byte[] block = new byte[1 << 20];
        private final CRC32C crc;
        private long remaining;
        private long position;

        Pattern(long total, CRC32C crc) {
            new Random(1).nextBytes(block);
            this.remaining = total;
            this.crc = crc;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int at = (int) (position % block.length);
            int n = (int) Math.min(Math.min(len, remaining), block.length - at);
            System.arraycopy(block, at, b, off, n);
            crc.update(b, off, n);
            position += n;
            remaining -= n;
            return n;
        }
    }

    private static final class QueueOutput extends OutputStream {
        private final BlockingQueue<byte[]> pipe;

        QueueOutput(BlockingQueue<byte[]> pipe) {
            this.pipe = pipe;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                pipe.put(Arrays.copyOfRange(b, off, off + len));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private static final class QueueInput extends InputStream {
        private final BlockingQueue<byte[]> pipe;
        private byte[] chunk = new byte[0];
        private int at;

        QueueInput(BlockingQueue<byte[]> pipe) {
            this.pipe = pipe;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (chunk != END && at == chunk.length) {
                try {
                    chunk = pipe.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                at = 0;
            }
            if (chunk == END) {
                return -1;
            }
            int n = Math.min(len, chunk.length - at);
            System.arraycopy(chunk, at, b, off, n);
            at += n;
            return n;
        }
    }

    private static final class Counting extends OutputStream {
        private final CRC32C crc;
        long count;

        Counting(CRC32C crc) {
            this.crc = crc;
        }

        @Override
        public void write(int b) {
            crc.update(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            crc.update(b, off, len);
            count += len;
        }
    }
}
