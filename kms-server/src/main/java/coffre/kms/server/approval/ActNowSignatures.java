package coffre.kms.server.approval;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.Operation;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The check behind every "sign and act now" operation (disable a key, revoke a grant, suspend an
 * officer): those only narrow access, so one active officer's signature is enough, but it must
 * be over exactly this operation, recent, and used once in the whole cluster. The one place these
 * checks are made, whatever the operation.
 */
final class ActNowSignatures {
    private static final Logger LOG = System.getLogger(ActNowSignatures.class.getName());

    private final ApprovalStore store;
    private final OfficerRegistry officers;
    private final Clock clock;

    ActNowSignatures(ApprovalStore store, OfficerRegistry officers, Clock clock) {
        this.store = store;
        this.officers = officers;
        this.clock = clock;
    }

    /** See {@link ApprovalGate#verifyActNow}; the caller has checked that the ceremony happened. */
    void verify(Operation operation, OfficerSignature signature) {
        if (signature.officerId().isEmpty()) {
            throw KmsException.missing("signature.officer_id");
        }
        if (signature.signedTime() == null) {
            throw KmsException.missing("signature.signed_time");
        }
        OfficerRecord officer = OfficerRegistry.active(officers.byId(), signature.officerId());
        signature.signedTime().requireFresh(clock.instant());
        byte[] statement = Statements.actNow(operation, signature.signedTime().statementTime());
        if (!OfficerKeys.verify(officer.publicKey(), statement, signature.signature())) {
            throw new KmsException(ErrorReason.INVALID_SIGNATURE,
                    "the signature of officer " + officer.id() + " does not verify for this operation");
        }
        Instant now = clock.instant();
        store.forgetSignaturesUsedBefore(now.minus(SignedTime.WINDOW.multipliedBy(2)));
        // Keyed on what was signed, not on the signature bytes: ECDSA signatures are malleable
        // ((r, n-s) verifies too), so a replay may carry different bytes for the same statement.
        // Recorded in the store, so that a replay on another node of a cluster is refused too.
        String key = officer.id() + ':' + HexFormat.of().formatHex(Statements.sha256(statement));
        if (!store.markSignatureUsed(key, now)) {
            throw new KmsException(ErrorReason.INVALID_SIGNATURE, "this signature has already been used");
        }
        LOG.log(Level.INFO, "officer {0} signed {1}", officer.id(), OperationSummary.of(operation));
    }
}
