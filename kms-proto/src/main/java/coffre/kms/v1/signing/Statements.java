package coffre.kms.v1.signing;

import coffre.kms.v1.Decision;
import coffre.kms.v1.Operation;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

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
        try {
            byte[] bytes = new byte[operation.getSerializedSize()];
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.useDeterministicSerialization();
            operation.writeTo(out);
            out.checkNoSpaceLeft();
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
