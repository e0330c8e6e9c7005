package coffre.kms.server.crypto;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
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
        // Runs twice on every call (the operation and its audit event): arrays, not streams.
        byte[][][] encoded = new byte[pairs.size()][][];
        int n = 0;
        long total = 4;
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            byte[] key = utf8(e.getKey());
            byte[] value = utf8(e.getValue());
            if (key.length == 0) {
                throw new KmsException(ErrorReason.INVALID_ENCRYPTION_CONTEXT,
                        "encryption context keys must not be empty");
            }
            total += 8L + key.length + value.length;
            encoded[n++] = new byte[][] {key, value};
        }
        if (total > MAX_ENCODED_BYTES) {
            throw new KmsException(ErrorReason.INVALID_ENCRYPTION_CONTEXT,
                    "the encoded encryption context is " + total + " bytes; the limit is " + MAX_ENCODED_BYTES,
                    Map.of("limit", Integer.toString(MAX_ENCODED_BYTES)));
        }
        Arrays.sort(encoded, (a, b) -> UNSIGNED.compare(a[0], b[0]));
        ByteBuffer out = ByteBuffer.allocate((int) total);
        out.putInt(encoded.length);
        for (byte[][] pair : encoded) {
            out.putInt(pair[0].length).put(pair[0]).putInt(pair[1].length).put(pair[1]);
        }
        return new EncryptionContext(out.array(), encoded.length);
    }

    /**
     * Strict UTF-8: a string that is not valid Unicode (an unpaired surrogate) is refused rather
     * than encoded with a replacement character, which would let two different maps share bytes.
     * Text without surrogates cannot be malformed, so only text with some goes through the strict
     * encoder.
     */
    private static byte[] utf8(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return strictUtf8(s);
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] strictUtf8(String s) {
        try {
            ByteBuffer bytes = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = new byte[bytes.remaining()];
            bytes.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new KmsException(ErrorReason.INVALID_ENCRYPTION_CONTEXT,
                    "encryption context keys and values must be valid Unicode text");
        }
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
