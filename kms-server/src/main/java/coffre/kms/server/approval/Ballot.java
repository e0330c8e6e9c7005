package coffre.kms.server.approval;

import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.Decision;
import java.util.Objects;

/**
 * One officer's signed decision on one approval request, as cast: the signature covers the
 * request id, its digest, the decision and the signed time (the vote statement of
 * docs/approvals.md). Fields may be empty, as received; {@link #requireComplete} says which is
 * missing.
 */
public record Ballot(String requestId, Decision decision, OfficerSignature signature) {
    public Ballot {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(signature, "signature");
    }

    public String officerId() {
        return signature.officerId();
    }

    /** @throws KmsException {@code MISSING_FIELD} naming the first field that is missing */
    public void requireComplete() {
        if (requestId.isEmpty()) {
            throw KmsException.missing("request_id");
        }
        if (signature.officerId().isEmpty()) {
            throw KmsException.missing("officer_id");
        }
        if (decision != Decision.APPROVE && decision != Decision.REJECT) {
            throw KmsException.missing("decision");
        }
        if (signature.signedTime() == null) {
            throw KmsException.missing("signed_time");
        }
        if (signature.signature().length == 0) {
            throw KmsException.missing("signature");
        }
    }
}
