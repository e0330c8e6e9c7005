package coffre.kms.cli.officerkeys;

import coffre.kms.v1.CeremonySignature;
import coffre.kms.v1.Decision;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.Operation;
import coffre.kms.v1.VoteRequest;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.Objects;

/**
 * One officer about to sign: their id and decrypted key. Builds the signed messages of the API from
 * the statements of {@link Statements}, the same code the server verifies with.
 */
public final class OfficerSigner {

    private final String officerId;
    private final OfficerPrivateKey key;

    public OfficerSigner(String officerId, OfficerPrivateKey key) {
        this.officerId = Objects.requireNonNull(officerId, "officerId");
        this.key = Objects.requireNonNull(key, "key");
    }

    public String officerId() {
        return officerId;
    }

    public OfficerPrivateKey key() {
        return key;
    }

    /** The signature that lets a narrowing {@code operation} act at once, made at {@code now}. */
    public OfficerSignature actNow(Operation operation, Instant now) {
        Timestamp time = timestamp(now);
        return OfficerSignature.newBuilder()
                .setOfficerId(officerId)
                .setSignedTime(time)
                .setSignature(ByteString.copyFrom(key.sign(Statements.actNow(operation, time))))
                .build();
    }

    /** A signed vote on request {@code requestId} whose digest the caller recomputed and checked. */
    public VoteRequest vote(String requestId, byte[] digest, Decision decision, Instant now) {
        Timestamp time = timestamp(now);
        return VoteRequest.newBuilder()
                .setRequestId(requestId)
                .setOfficerId(officerId)
                .setDecision(decision)
                .setSignedTime(time)
                .setSignature(ByteString.copyFrom(key.sign(Statements.vote(requestId, digest, decision, time))))
                .build();
    }

    /** This officer's signature on a serialised ceremony document. */
    public CeremonySignature ceremony(byte[] documentBytes) {
        return CeremonySignature.newBuilder()
                .setOfficerId(officerId)
                .setSignature(ByteString.copyFrom(key.sign(Statements.ceremony(documentBytes))))
                .build();
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
