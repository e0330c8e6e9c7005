package coffre.kms.server.domain;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A caller's encryption context: non-secret string pairs bound to an envelope as GCM additional
 * authenticated data, so an envelope only opens with the context it was made with.
 *
 * <p>Its canonical encoding (documented in {@code docs/envelope-format.md}) is independent of
 * map order: a big-endian uint32 pair count, then for each pair sorted by the unsigned bytes of
 * the UTF-8 key, uint32 length + UTF-8 key, uint32 length + UTF-8 value. The empty context
 * encodes as four zero bytes. The encoding may not exceed {@link #MAX_ENCODED_BYTES}.
 */
public final class EncryptionContext {
    public static final int MAX_ENCODED_BYTES = 8192;
    public static final EncryptionContext EMPTY = new EncryptionContext(new byte[4], 0);

    private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    private final byte[] canonical;
    private final int size;

    private EncryptionContext(byte[] canonical, int size) {
        this.canonical = canonical;
        this.size = size;
    }

    /** Validates and canonicalises a caller's map. */
    public static EncryptionContext of(Map<String, String> pairs) {
        if (pairs.isEmpty()) {
            return EMPTY;
        }
        List<byte[][]> encoded = pairs.entrySet().stream()
                .map(e -> new byte[][] {utf8(e.getKey()), utf8(e.getValue())})
                .sorted((a, b) -> UNSIGNED.compare(a[0], b[0]))
                .toList();
        long total = 4;
        for (byte[][] pair : encoded) {
            if (pair[0].length == 0) {
                throw new KmsException(ErrorReason.INVALID_ENCRYPTION_CONTEXT,
                        "encryption context keys must not be empty");
            }
            total += 8L + pair[0].length + pair[1].length;
        }
        if (total > MAX_ENCODED_BYTES) {
            throw new KmsException(ErrorReason.INVALID_ENCRYPTION_CONTEXT,
                    "the encoded encryption context is " + total + " bytes; the limit is " + MAX_ENCODED_BYTES,
                    Map.of("limit", Integer.toString(MAX_ENCODED_BYTES)));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) total);
        writeInt(out, encoded.size());
        for (byte[][] pair : encoded) {
            writeInt(out, pair[0].length);
            out.writeBytes(pair[0]);
            writeInt(out, pair[1].length);
            out.writeBytes(pair[1]);
        }
        return new EncryptionContext(out.toByteArray(), encoded.size());
    }

    /**
     * Strict UTF-8: a string that is not valid Unicode (an unpaired surrogate) is refused rather
     * than encoded with a replacement character, which would let two different maps share bytes.
     */
    private static byte[] utf8(String s) {
        try {
            java.nio.ByteBuffer bytes = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .encode(java.nio.CharBuffer.wrap(s));
            byte[] out = new byte[bytes.remaining()];
            bytes.get(out);
            return out;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new KmsException(ErrorReason.INVALID_ENCRYPTION_CONTEXT,
                    "encryption context keys and values must be valid Unicode text");
        }
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** The canonical encoding (a copy). */
    public byte[] canonicalBytes() {
        return canonical.clone();
    }

    int canonicalLength() {
        return canonical.length;
    }

    void copyCanonicalInto(byte[] target, int offset) {
        System.arraycopy(canonical, 0, target, offset, canonical.length);
    }

    public int size() {
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncryptionContext other && Arrays.equals(canonical, other.canonical);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(canonical);
    }

    /** Shows only the number of pairs: context values may be sensitive to some callers. */
    @Override
    public String toString() {
        return "EncryptionContext[" + size + " pairs]";
    }
}
