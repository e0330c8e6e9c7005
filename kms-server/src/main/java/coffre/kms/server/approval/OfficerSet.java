package coffre.kms.server.approval;

import java.util.List;
import java.util.Objects;

/** The officers and the quorum rule, as the init ceremony set them. */
public record OfficerSet(List<OfficerRecord> officers, QuorumRule rule) {
    public OfficerSet {
        officers = List.copyOf(officers);
        Objects.requireNonNull(rule, "rule");
    }
}
