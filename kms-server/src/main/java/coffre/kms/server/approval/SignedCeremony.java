package coffre.kms.server.approval;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the first officers hand in to initialise a server: the serialised
 * {@code coffre.kms.v1.CeremonyDocument} exactly as they signed it (its digest is the ceremony's
 * identity), and each officer's signature over it (the ceremony statement, which has no signed
 * time).
 */
public record SignedCeremony(byte[] document, List<OfficerSignature> signatures) {

    public SignedCeremony {
        document = document.clone();
        signatures = List.copyOf(signatures);
    }

    @Override
    public byte[] document() {
        return document.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SignedCeremony c && Arrays.equals(document, c.document) && signatures.equals(c.signatures);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(document), signatures);
    }

    @Override
    public String toString() {
        return "SignedCeremony[" + document.length + " bytes, " + signatures.size() + " signature(s)]";
    }
}
