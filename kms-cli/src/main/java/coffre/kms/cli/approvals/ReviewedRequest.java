package coffre.kms.cli.approvals;

import coffre.kms.cli.output.OperationDescriber;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.Operation;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An approval request as the CLI checked it, independently of what the server says about it: the
 * digest recomputed from the operation bytes, the operation decoded from those same bytes, and
 * its plain-words description.
 *
 * <p>A request is {@linkplain #signable() signable} only if the recomputed digest equals the
 * server's and the whole operation is understood — no field unknown to this CLI anywhere in it,
 * since an officer must never sign something they were not shown. The server's own {@code summary}
 * is never used for that.
 */
public final class ReviewedRequest {

    private final ApprovalRequest request;
    private final byte[] digest;
    private final Operation operation;
    private final String description;
    private final String problem;

    private ReviewedRequest(ApprovalRequest request, byte[] digest, Operation operation, String description, String problem) {
        this.request = request;
        this.digest = digest;
        this.operation = operation;
        this.description = description;
        this.problem = problem;
    }

    /** Checks {@code request}. Never throws: a problem is recorded and makes it unsignable. */
    public static ReviewedRequest of(ApprovalRequest request) {
        byte[] bytes = request.getOperation().toByteArray();
        byte[] digest = Statements.sha256(bytes);
        if (!MessageDigest.isEqual(digest, request.getDigest().toByteArray())) {
            return new ReviewedRequest(request, digest, null, null,
                    "the server's digest " + hex(request.getDigest().toByteArray())
                            + " does not match the SHA-256 of the operation bytes, " + hex(digest));
        }
        Operation operation;
        try {
            operation = Operation.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return new ReviewedRequest(request, digest, null, null, "the operation bytes are not a valid Operation");
        }
        Optional<String> unknown = unknownField(operation, "operation");
        if (unknown.isPresent()) {
            return new ReviewedRequest(request, digest, operation, null,
                    "the operation holds fields this version of coffre does not know (in " + unknown.get()
                            + "); update coffre before reviewing it");
        }
        try {
            return new ReviewedRequest(request, digest, operation, OperationDescriber.describe(operation), null);
        } catch (IllegalArgumentException e) {
            return new ReviewedRequest(request, digest, operation, null, e.getMessage());
        }
    }

    public ApprovalRequest request() {
        return request;
    }

    public String id() {
        return request.getId();
    }

    /** SHA-256 of the operation bytes, computed here. */
    public byte[] digest() {
        return digest.clone();
    }

    /** The recomputed digest, lowercase hex. */
    public String digestHex() {
        return hex(digest);
    }

    /** True if the SHA-256 of the operation bytes equals the server's digest. */
    public boolean digestMatches() {
        return MessageDigest.isEqual(digest, request.getDigest().toByteArray());
    }

    /** True if the digest matches and the operation is fully understood and described. */
    public boolean signable() {
        return problem == null;
    }

    /** Why the request is not signable; empty when it is. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** The decoded operation, if the digest matched and the bytes parse. */
    public Optional<Operation> operation() {
        return Optional.ofNullable(operation);
    }

    /** The plain-words description, or a warning in its place when the request is not signable. */
    public String description() {
        return problem == null ? description : "CANNOT BE SHOWN: " + problem;
    }

    /** Approvals that count towards the rule. */
    public int countedApprovals() {
        return (int) request.getVotesList().stream()
                .filter(v -> v.getCounted() && v.getDecision() == coffre.kms.v1.Decision.APPROVE)
                .count();
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** The path of the first field in {@code message} that this CLI's schema does not know. */
    private static Optional<String> unknownField(Message message, String path) {
        if (!message.getUnknownFields().asMap().isEmpty()) {
            return Optional.of(path);
        }
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            String child = path + "." + field.getKey().getName();
            List<?> values = field.getKey().isRepeated() ? (List<?>) field.getValue() : List.of(field.getValue());
            for (Object value : values) {
                Optional<String> found = unknownField((Message) value, child);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }
}
