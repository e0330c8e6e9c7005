package coffre.kms.server.approval;

import java.util.Arrays;
import java.util.Objects;

/**
 * One officer's signature over one of the statements of docs/approvals.md: a vote, an act-now
 * statement (an operation that only narrows access, acting at once) or the init ceremony's
 * document. Fields may be empty, as received: whoever checks the signature names what is missing.
 *
 * @param signedTime the time the statement covers; null when none was sent, and for the ceremony,
 *                   whose statement has none (its document's nonce makes it unique)
 */
public record OfficerSignature(String officerId, SignedTime signedTime, byte[] signature) {
    public OfficerSignature {
        Objects.requireNonNull(officerId, "officerId");
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof OfficerSignature s && officerId.equals(s.officerId)
                && Objects.equals(signedTime, s.signedTime) && Arrays.equals(signature, s.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(officerId, signedTime, Arrays.hashCode(signature));
    }

    @Override
    public String toString() {
        return "OfficerSignature[" + officerId + (signedTime == null ? "" : " at " + signedTime) + "]";
    }
}
