package coffre.kms.server.approval;

import coffre.kms.server.domain.Principal;
import coffre.kms.v1.Operation;

/**
 * What the administrative edge needs from the quorum: turn a widening operation into an approval
 * request, and check the one officer's signature that a narrowing operation carries.
 *
 * <p>The operation is the protobuf {@link Operation}, as officers sign it: its canonical bytes are
 * what a request's digest and an act-now statement cover.
 */
public interface ApprovalGate {

    /** Records a pending approval request for {@code operation}, made by {@code requester}. */
    Approval submit(Operation operation, Principal requester);

    /**
     * Checks that one active officer signed the act-now statement for exactly {@code operation},
     * recently, and not before (no replay).
     *
     * @throws coffre.kms.server.domain.KmsException INVALID_SIGNATURE, OFFICER_NOT_FOUND,
     *         OFFICER_NOT_ACTIVE, SIGNATURE_TIME_OUT_OF_RANGE, MISSING_FIELD
     */
    void verifyActNow(Operation operation, OfficerSignature signature);

    /** @throws coffre.kms.server.domain.KmsException NOT_INITIALIZED before the init ceremony */
    void requireInitialized();
}
