package coffre.kms.server.approval;

import coffre.kms.server.approval.OfficerRecord.Status;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.Operation;
import coffre.kms.v1.signing.OfficerKeys;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The officer set and the rule, read from the {@link ApprovalStore} on every use (so every node
 * sees the same set), and the changes made to them.
 *
 * <p>Each change is checked the same way twice: when it is requested, so that a change already
 * known to be wrong creates no request ({@link #requireProposable}), and again when officers have
 * approved it and it runs, against the set as it is then (the {@link ApprovedOperations.OfficerChanges}
 * methods). Every change keeps the rule meetable by the active officers: a quorum must never be
 * changed out of existence, since changing it back would then need the votes it no longer has.
 */
final class OfficerRegistry implements ApprovedOperations.OfficerChanges {
    private static final Logger LOG = System.getLogger(OfficerRegistry.class.getName());

    private final ApprovalStore store;
    private final Clock clock;

    OfficerRegistry(ApprovalStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Every officer, with the fingerprint as computed now (canonical), not as stored by an older version. */
    List<OfficerRecord> officers() {
        return store.officers().stream().map(OfficerRecord::withCanonicalFingerprint).toList();
    }

    /** Every officer as stored, by id. */
    Map<String, OfficerRecord> byId() {
        Map<String, OfficerRecord> byId = new LinkedHashMap<>();
        store.officers().forEach(o -> byId.put(o.id(), o));
        return byId;
    }

    QuorumRule rule() {
        return store.initialization().map(ApprovalStore.Initialization::rule).orElse(QuorumRule.NONE);
    }

    /** Fails now, rather than after officers approved, on an officer or rule change already known to be wrong. */
    void requireProposable(Operation operation) {
        switch (operation.getKindCase()) {
            case ADD_OFFICER -> checkedAddition(OfficerRecord.admitted(operation.getAddOfficer().getOfficer(),
                    clock.instant()));
            case REMOVE_OFFICER -> checkedRemoval(operation.getRemoveOfficer().getOfficerId());
            case REINSTATE_OFFICER -> checkedReinstatement(operation.getReinstateOfficer().getOfficerId());
            case SET_QUORUM_RULE -> OfficerRules.requireMeetable(QuorumRule.of(operation.getSetQuorumRule()),
                    byId().values());
            default -> { }
        }
    }

    @Override
    public void addOfficer(OfficerRecord officer) {
        store.saveOfficer(checkedAddition(officer));
    }

    @Override
    public void removeOfficer(String officerId) {
        store.saveOfficer(checkedRemoval(officerId));
    }

    @Override
    public void reinstateOfficer(String officerId) {
        store.saveOfficer(checkedReinstatement(officerId));
    }

    @Override
    public void setRule(QuorumRule rule) {
        OfficerRules.requireMeetable(rule, byId().values());
        store.setRule(rule);
    }

    /**
     * Suspends an officer at once; the caller has checked the act-now signature of {@code signer}.
     *
     * @throws KmsException OFFICER_NOT_FOUND, OFFICER_NOT_ACTIVE (removed), INVALID_QUORUM_RULE
     */
    OfficerRecord suspend(String officerId, String signer) {
        Map<String, OfficerRecord> officers = byId();
        OfficerRecord target = existing(officers, officerId);
        if (target.status() == Status.REMOVED) {
            throw new KmsException(ErrorReason.OFFICER_NOT_ACTIVE, "officer " + officerId + " was removed");
        }
        OfficerRecord suspended = checkedChange(officers, target.withStatus(Status.SUSPENDED));
        store.saveOfficer(suspended);
        LOG.log(Level.WARNING, "officer {0} suspended on the signature of officer {1}", officerId, signer);
        return suspended;
    }

    /** The officer, if it exists and is active. */
    static OfficerRecord active(Map<String, OfficerRecord> officers, String id) {
        OfficerRecord officer = existing(officers, id);
        if (!officer.isActive()) {
            throw new KmsException(ErrorReason.OFFICER_NOT_ACTIVE, "officer " + id + " is "
                    + (officer.status() == Status.SUSPENDED ? "suspended" : "removed"));
        }
        return officer;
    }

    private static OfficerRecord existing(Map<String, OfficerRecord> officers, String id) {
        OfficerRecord officer = officers.get(id);
        if (officer == null) {
            throw new KmsException(ErrorReason.OFFICER_NOT_FOUND, "no officer " + id);
        }
        return officer;
    }

    // Each checked* gives the changed officer after checking the change against the current set;
    // nothing is saved.

    private OfficerRecord checkedAddition(OfficerRecord officer) {
        OfficerRules.validate(officer);
        Map<String, OfficerRecord> officers = byId();
        String fingerprint = OfficerKeys.fingerprint(officer.publicKey());
        for (OfficerRecord existing : officers.values()) {
            if (existing.id().equals(officer.id()) || OfficerKeys.fingerprint(existing.publicKey()).equals(fingerprint)) {
                throw new KmsException(ErrorReason.OFFICER_ALREADY_EXISTS,
                        "an officer with id " + officer.id() + " or the same public key already exists");
            }
        }
        // A new operator's first officer must not make the per-operator minimum unmeetable.
        return checkedChange(officers, officer);
    }

    private OfficerRecord checkedRemoval(String officerId) {
        Map<String, OfficerRecord> officers = byId();
        return checkedChange(officers, existing(officers, officerId).withStatus(Status.REMOVED));
    }

    private OfficerRecord checkedReinstatement(String officerId) {
        Map<String, OfficerRecord> officers = byId();
        OfficerRecord officer = existing(officers, officerId);
        if (officer.status() != Status.SUSPENDED) {
            // OFFICER_<status>: the status as the API names it.
            throw new KmsException(ErrorReason.OFFICER_NOT_ACTIVE, "only a suspended officer can be reinstated; "
                    + officer.id() + " is OFFICER_" + officer.status());
        }
        return checkedChange(officers, officer.withStatus(Status.ACTIVE));
    }

    /** Puts {@code changed} in place of its officer and checks that the rule can still be met. */
    private OfficerRecord checkedChange(Map<String, OfficerRecord> officers, OfficerRecord changed) {
        officers.put(changed.id(), changed);
        OfficerRules.requireMeetable(rule(), officers.values());
        return changed;
    }
}
