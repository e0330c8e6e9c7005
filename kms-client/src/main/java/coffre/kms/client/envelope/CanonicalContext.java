package coffre.kms.client.envelope;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The canonical bytes of an encryption context, the same encoding the server binds into its own
 * envelopes (docs/envelope-format.md): a count, then each pair sorted by the unsigned bytes of its
 * UTF-8 key, every string preceded by its length, all big-endian 32-bit. The client needs it twice:
 * to carry the context in a {@link CoffreEnvelope} header, and as part of a cache key in
 * {@link CachingDataKeys}, where two maps with the same pairs in another order must be one entry.
 */
final class CanonicalContext {

    /** The server's limit on an encoded context. */
    static final int MAX_BYTES = 8192;

    private CanonicalContext() {
    }

    /**
     * Encodes {@code context}.
     *
     * @throws IllegalArgumentException if a key is empty or the encoding exceeds {@value #MAX_BYTES} bytes
     */
    static byte[] encode(Map<String, String> context) {
        Objects.requireNonNull(context, "context");
        List<byte[][]> pairs = new ArrayList<>(context.size());
        for (Map.Entry<String, String> pair : context.entrySet()) {
            if (pair.getKey() == null || pair.getKey().isEmpty() || pair.getValue() == null) {
                throw new IllegalArgumentException("encryption context keys must be non-empty and values non-null");
            }
            pairs.add(new byte[][] {pair.getKey().getBytes(StandardCharsets.UTF_8),
                    pair.getValue().getBytes(StandardCharsets.UTF_8)});
        }
        pairs.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeInt(out, pairs.size());
        for (byte[][] pair : pairs) {
            writeInt(out, pair[0].length);
            out.writeBytes(pair[0]);
            writeInt(out, pair[1].length);
            out.writeBytes(pair[1]);
        }
        if (out.size() > MAX_BYTES) {
            throw new IllegalArgumentException("the encryption context encodes to " + out.size()
                    + " bytes; at most " + MAX_BYTES + " are accepted");
        }
        return out.toByteArray();
    }

    /**
     * Decodes bytes made by {@link #encode}, accepting only the canonical form (sorted, no duplicate,
     * nothing left over), so that one context has exactly one encoding.
     *
     * @throws IllegalArgumentException if {@code bytes} are not a canonical encoding
     */
    static Map<String, String> decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int count = in.getInt();
            if (count < 0 || count > bytes.length / 8) {
                throw new IllegalArgumentException("bad pair count " + count);
            }
            Map<String, String> context = new LinkedHashMap<>();
            byte[] previous = null;
            for (int i = 0; i < count; i++) {
                byte[] key = read(in);
                byte[] value = read(in);
                if (key.length == 0 || previous != null && Arrays.compareUnsigned(previous, key) >= 0) {
                    throw new IllegalArgumentException("keys are empty, unsorted or repeated");
                }
                previous = key;
                context.put(utf8(key), utf8(value));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last pair");
            }
            if (!Arrays.equals(bytes, encode(context))) {
                throw new IllegalArgumentException("not the canonical encoding of its pairs");
            }
            return Collections.unmodifiableMap(context);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("the encoding ends inside a pair", e);
        }
    }

    private static byte[] read(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("a length of " + length + " runs past the end");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("a string is not UTF-8", e);
        }
    }

    private static void writeInt(ByteArrayOutputStream out, int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
    }
}
