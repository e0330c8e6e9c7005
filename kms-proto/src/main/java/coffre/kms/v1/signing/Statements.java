package coffre.kms.v1.signing;

import coffre.kms.v1.Decision;
import coffre.kms.v1.Operation;
import com.google.protobuf.Descriptors;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.Timestamp;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The exact bytes key officers sign (docs/approvals.md). Defined once here and used by both the
 * server, which verifies, and the CLI, which signs, so the two can never drift apart.
 *
 * <p>Every statement starts with a distinct ASCII domain-separation tag ending in a NUL byte, so a
 * signature made for one purpose is never valid for another. Integers are big-endian; strings are
 * UTF-8 preceded by their length as a uint32.
 */
public final class Statements {
    /** Tag of a vote on an approval request. */
    public static final String VOTE_TAG = "coffre/v1/vote";
    /** Tag of a narrowing operation that acts at once on one officer's signature. */
    public static final String ACT_NOW_TAG = "coffre/v1/act-now";
    /** Tag of an officer's signature on the init-ceremony document. */
    public static final String CEREMONY_TAG = "coffre/v1/ceremony";
    public static final int DIGEST_LENGTH = 32;

    private Statements() {
    }

    /**
     * {@code "coffre/v1/vote" 0x00 | len(request_id) request_id | digest[32] | decision (1 byte:
     * 1 approve, 2 reject) | signed_time seconds (int64) | signed_time nanos (int32)}.
     */
    public static byte[] vote(String requestId, byte[] digest, Decision decision, Timestamp signedTime) {
        if (digest.length != DIGEST_LENGTH) {
            throw new IllegalArgumentException("a request digest is 32 bytes");
        }
        if (decision != Decision.APPROVE && decision != Decision.REJECT) {
            throw new IllegalArgumentException("a vote is APPROVE or REJECT");
        }
        return write(out -> {
            tag(out, VOTE_TAG);
            string(out, requestId);
            out.write(digest);
            out.writeByte(decision.getNumber());
            time(out, signedTime);
        });
    }

    /**
     * {@code "coffre/v1/act-now" 0x00 | SHA-256(operationBytes(operation)) | signed_time seconds
     * (int64) | signed_time nanos (int32)}.
     */
    public static byte[] actNow(Operation operation, Timestamp signedTime) {
        return write(out -> {
            tag(out, ACT_NOW_TAG);
            out.write(sha256(operationBytes(operation)));
            time(out, signedTime);
        });
    }

    /** {@code "coffre/v1/ceremony" 0x00 | SHA-256(serialised CeremonyDocument)}. */
    public static byte[] ceremony(byte[] documentBytes) {
        return write(out -> {
            tag(out, CEREMONY_TAG);
            out.write(sha256(documentBytes));
        });
    }

    /**
     * The canonical bytes of an operation: protobuf's deterministic serialisation (fields in
     * number order, map entries sorted by key), so the same operation always gives the same bytes.
     */
    public static byte[] operationBytes(Operation operation) {
        return canonicalBytes(operation);
    }

    /**
     * The canonical bytes of any message that is signed or hashed: protobuf's deterministic
     * serialisation (fields in number order, map entries sorted by key, minimal varints).
     */
    public static byte[] canonicalBytes(MessageLite message) {
        try {
            byte[] bytes = new byte[message.getSerializedSize()];
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.useDeterministicSerialization();
            message.writeTo(out);
            out.checkNoSpaceLeft();
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses bytes that must be a message's canonical encoding ({@link #canonicalBytes}): one
     * message has one encoding, so a hash or signature over it names one thing. Refuses unknown
     * fields, repeated or reordered fields, long varints, and anything else that re-encodes
     * differently.
     *
     * @throws InvalidProtocolBufferException if the bytes do not parse or are not canonical
     */
    public static <T extends Message> T parseCanonical(byte[] bytes, Parser<T> parser)
            throws InvalidProtocolBufferException {
        T message = parser.parseFrom(bytes);
        if (hasUnknownFields(message) || !Arrays.equals(canonicalBytes(message), bytes)) {
            throw new InvalidProtocolBufferException("not in its canonical encoding (deterministic protobuf, no unknown fields)");
        }
        return message;
    }

    private static boolean hasUnknownFields(Message message) {
        if (!message.getUnknownFields().asMap().isEmpty()) {
            return true;
        }
        for (Map.Entry<Descriptors.FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            if (field.getKey().getJavaType() != Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            List<?> values = field.getValue() instanceof List<?> list ? list : List.of(field.getValue());
            for (Object value : values) {
                if (hasUnknownFields((Message) value)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The digest of an approval request: SHA-256 of its operation bytes. */
    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void tag(DataOutputStream out, String tag) throws IOException {
        out.write(tag.getBytes(StandardCharsets.US_ASCII));
        out.writeByte(0);
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static void time(DataOutputStream out, Timestamp t) throws IOException {
        out.writeLong(t.getSeconds());
        out.writeInt(t.getNanos());
    }
}
