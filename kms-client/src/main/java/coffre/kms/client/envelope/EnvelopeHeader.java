package coffre.kms.client.envelope;

import coffre.kms.client.envelope.EnvelopeException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * The header of a {@link CoffreEnvelope} message (docs/client-envelope-format.md): everything a
 * reader needs besides Coffre itself, that is the wrapped data key, the encryption context, the
 * segment size and the per-message randomness, then the key commitment that authenticates all of
 * it. Parsing checks every length before allocating, so a hostile header costs at most a few KiB.
 */
final class EnvelopeHeader {

    static final byte[] MAGIC = {'C', 'F', 'E', 'N'};
    static final int VERSION = 1;
    static final int MESSAGE_ID_BYTES = 32;
    static final int NONCE_PREFIX_BYTES = 7;
    static final int COMMITMENT_BYTES = 32;
    static final int MIN_SEGMENT_SIZE = 16;
    static final int MAX_SEGMENT_SIZE = 16 * 1024 * 1024;
    /** A Coffre envelope of a 32-byte data key is 96 bytes today; the bound leaves room for new formats. */
    static final int MAX_WRAPPED_KEY_BYTES = 1024;

    private final int segmentSize;
    private final byte[] messageId;
    private final byte[] noncePrefix;
    private final byte[] wrappedKey;
    private final byte[] context;
    private final Map<String, String> contextMap;
    private final byte[] body;

    private EnvelopeHeader(int segmentSize, byte[] messageId, byte[] noncePrefix, byte[] wrappedKey, byte[] context,
                           Map<String, String> contextMap) {
        this.segmentSize = segmentSize;
        this.messageId = messageId;
        this.noncePrefix = noncePrefix;
        this.wrappedKey = wrappedKey;
        this.context = context;
        this.contextMap = contextMap;
        this.body = encodeBody();
    }

    /** A header for a new message; the arrays are copied. */
    static EnvelopeHeader create(int segmentSize, byte[] messageId, byte[] noncePrefix, byte[] wrappedKey,
                                 Map<String, String> context) {
        checkSegmentSize(segmentSize);
        if (messageId.length != MESSAGE_ID_BYTES || noncePrefix.length != NONCE_PREFIX_BYTES) {
            throw new IllegalArgumentException("a message id has 32 bytes and a nonce prefix 7");
        }
        if (wrappedKey.length == 0 || wrappedKey.length > MAX_WRAPPED_KEY_BYTES) {
            throw new IllegalStateException("a wrapped data key of " + wrappedKey.length + " bytes; expected 1-"
                    + MAX_WRAPPED_KEY_BYTES);
        }
        return new EnvelopeHeader(segmentSize, messageId.clone(), noncePrefix.clone(), wrappedKey.clone(),
                CanonicalContext.encode(context), Map.copyOf(context));
    }

    static void checkSegmentSize(int segmentSize) {
        if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
            throw new IllegalArgumentException("segment size " + segmentSize + " is out of range: "
                    + MIN_SEGMENT_SIZE + " to " + MAX_SEGMENT_SIZE + " bytes");
        }
    }

    /**
     * Reads a header, up to and including its commitment, which is returned unchecked in
     * {@code commitment} (it can only be checked with the data key).
     *
     * @throws EnvelopeException if the stream is not a message of a known version or a field is out of range
     */
    static EnvelopeHeader read(InputStream in, byte[] commitment) throws IOException {
        byte[] magic = readFully(in, MAGIC.length, "magic");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new EnvelopeException(Reason.NOT_AN_ENVELOPE, "the stream does not start with 'CFEN'");
        }
        int version = readFully(in, 1, "version")[0] & 0xff;
        if (version != VERSION) {
            throw new EnvelopeException(Reason.UNSUPPORTED_VERSION, "format version " + version
                    + "; this client reads version " + VERSION);
        }
        int segmentSize = ByteBuffer.wrap(readFully(in, 4, "segment size")).getInt();
        if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
            throw new EnvelopeException(Reason.MALFORMED_HEADER, "segment size " + segmentSize + " is out of range");
        }
        byte[] messageId = readFully(in, MESSAGE_ID_BYTES, "message id");
        byte[] noncePrefix = readFully(in, NONCE_PREFIX_BYTES, "nonce prefix");
        int wrappedLength = ByteBuffer.wrap(readFully(in, 2, "wrapped key length")).getShort() & 0xffff;
        if (wrappedLength == 0 || wrappedLength > MAX_WRAPPED_KEY_BYTES) {
            throw new EnvelopeException(Reason.MALFORMED_HEADER, "wrapped key length " + wrappedLength
                    + " is out of range");
        }
        byte[] wrappedKey = readFully(in, wrappedLength, "wrapped key");
        int contextLength = ByteBuffer.wrap(readFully(in, 4, "context length")).getInt();
        if (contextLength < 4 || contextLength > CanonicalContext.MAX_BYTES) {
            throw new EnvelopeException(Reason.MALFORMED_HEADER, "context length " + contextLength + " is out of range");
        }
        byte[] context = readFully(in, contextLength, "context");
        Map<String, String> contextMap;
        try {
            contextMap = CanonicalContext.decode(context);
        } catch (IllegalArgumentException e) {
            throw new EnvelopeException(Reason.MALFORMED_HEADER, "bad encryption context: " + e.getMessage(), e);
        }
        System.arraycopy(readFully(in, COMMITMENT_BYTES, "key commitment"), 0, commitment, 0, COMMITMENT_BYTES);
        return new EnvelopeHeader(segmentSize, messageId, noncePrefix, wrappedKey, context, contextMap);
    }

    private static byte[] readFully(InputStream in, int length, String field) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
            throw new EnvelopeException(Reason.MALFORMED_HEADER, "the stream ends inside the header (" + field + ")");
        }
        return bytes;
    }

    private byte[] encodeBody() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(96 + wrappedKey.length + context.length);
        out.writeBytes(MAGIC);
        out.write(VERSION);
        out.writeBytes(ByteBuffer.allocate(4).putInt(segmentSize).array());
        out.writeBytes(messageId);
        out.writeBytes(noncePrefix);
        out.writeBytes(ByteBuffer.allocate(2).putShort((short) wrappedKey.length).array());
        out.writeBytes(wrappedKey);
        out.writeBytes(ByteBuffer.allocate(4).putInt(context.length).array());
        out.writeBytes(context);
        return out.toByteArray();
    }

    /** The header's bytes before the commitment: what the commitment and the message key are bound to. */
    byte[] body() {
        return body.clone();
    }

    int segmentSize() {
        return segmentSize;
    }

    byte[] messageId() {
        return messageId.clone();
    }

    byte[] noncePrefix() {
        return noncePrefix.clone();
    }

    byte[] wrappedKey() {
        return wrappedKey.clone();
    }

    Map<String, String> context() {
        return contextMap;
    }

    @Override
    public String toString() {
        return "EnvelopeHeader[v" + VERSION + ", segments of " + segmentSize + " bytes, context keys "
                + contextMap.keySet() + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EnvelopeHeader h && Arrays.equals(body, h.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(body));
    }
}
