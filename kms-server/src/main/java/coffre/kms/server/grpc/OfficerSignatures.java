package coffre.kms.server.grpc;

import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.domain.KmsException;

/**
 * The officer's signature that every "sign and act now" call carries (DisableKey, RevokeGrant,
 * SuspendOfficer), as the approval engine checks it: one mapping, and one "missing signature"
 * error, for all of them.
 */
public final class OfficerSignatures {
    private OfficerSignatures() {
    }

    /**
     * @param present whether the request has its {@code signature} field
     * @throws KmsException {@code MISSING_FIELD} "signature" when it has not
     */
    public static OfficerSignature required(boolean present, coffre.kms.v1.OfficerSignature signature) {
        if (!present) {
            throw KmsException.missing("signature");
        }
        return new OfficerSignature(signature.getOfficerId(),
                signature.hasSignedTime() ? QuorumMessages.signedTime(signature.getSignedTime()) : null,
                signature.getSignature().toByteArray());
    }
}
