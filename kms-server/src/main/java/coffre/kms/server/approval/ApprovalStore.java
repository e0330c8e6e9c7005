package coffre.kms.server.approval;

import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.Officer;
import coffre.kms.v1.QuorumRule;
import java.util.List;
import java.util.Optional;

/**
 * The port to where officers, the rule and approval requests are kept. The store is the source of
 * truth shared by all nodes: {@link #update} is a compare-and-set on the request's revision, which
 * is what makes execution happen exactly once.
 */
public interface ApprovalStore {

    /** Where a request is in its life; {@code EXECUTING} is claimed by the vote that completed the rule. */
    enum Phase { PENDING, EXECUTING, EXECUTED, FAILED, REJECTED, EXPIRED }

    /** A stored request with its phase and revision. */
    record Stored(ApprovalRequest request, Phase phase, long revision) {
    }

    /** The rule and officers set by the init ceremony, if it happened. */
    record Initialization(QuorumRule rule, String ceremonyDigest) {
    }

    Optional<Initialization> initialization();

    /** Stores the ceremony's outcome; false if another ceremony already did. */
    boolean initialize(QuorumRule rule, String ceremonyDigest, List<Officer> officers, java.time.Instant at);

    void setRule(QuorumRule rule);

    List<Officer> officers();

    void saveOfficer(Officer officer);

    void insert(ApprovalRequest request, java.time.Instant expiresAt);

    Optional<Stored> find(String id);

    /** Replaces the request if its stored revision is {@code expectedRevision}; false otherwise. */
    boolean update(ApprovalRequest request, Phase phase, long expectedRevision);

    /** Requests in any of {@code phases} (all when empty), oldest first. */
    List<Stored> list(List<Phase> phases);

    /** Pending requests whose expiry is before {@code now}. */
    List<Stored> expired(java.time.Instant now);

    /**
     * Records that an act-now statement was used, for every node at once.
     *
     * @param statementKey the officer and the digest of what was signed
     * @return false if it was already recorded (a replay)
     */
    boolean markSignatureUsed(String statementKey, java.time.Instant at);

    /** Forgets statements used before {@code before} (they are outside the signature window anyway). */
    int forgetSignaturesUsedBefore(java.time.Instant before);
}
