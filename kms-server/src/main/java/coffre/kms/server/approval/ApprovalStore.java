package coffre.kms.server.approval;

import java.time.Instant;
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
    record Stored(Approval request, Phase phase, long revision) {
    }

    /** The rule and officers set by the init ceremony, if it happened. */
    record Initialization(QuorumRule rule, String ceremonyDigest) {
    }

    Optional<Initialization> initialization();

    /** Stores the ceremony's outcome; false if another ceremony already did. */
    boolean initialize(QuorumRule rule, String ceremonyDigest, List<OfficerRecord> officers, Instant at);

    void setRule(QuorumRule rule);

    /** Every officer, ordered by id. */
    List<OfficerRecord> officers();

    /** Adds the officer, or replaces the one with its id. */
    void saveOfficer(OfficerRecord officer);

    void insert(Approval request, Instant expiresAt);

    Optional<Stored> find(String id);

    /** Replaces the request if its stored revision is {@code expectedRevision}; false otherwise. */
    boolean update(Approval request, Phase phase, long expectedRevision);

    /** Requests in any of {@code phases} (all when empty), oldest first. */
    List<Stored> list(List<Phase> phases);

    /** Pending requests whose expiry is before {@code now}. */
    List<Stored> expired(Instant now);

    /**
     * Records that an act-now statement was used, for every node at once.
     *
     * @param statementKey the officer and the digest of what was signed
     * @return false if it was already recorded (a replay)
     */
    boolean markSignatureUsed(String statementKey, Instant at);

    /** Forgets statements used before {@code before} (they are outside the signature window anyway). */
    int forgetSignaturesUsedBefore(Instant before);
}
