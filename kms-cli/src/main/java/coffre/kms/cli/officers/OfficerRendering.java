package coffre.kms.cli.officers;

import coffre.kms.cli.output.OperationDescriber;
import coffre.kms.cli.output.TextTable;
import coffre.kms.v1.Officer;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.signing.OfficerKeys;
import java.util.List;

/** Human rendering of officers: one row each, the fingerprint computed here from the public key. */
public final class OfficerRendering {

    private OfficerRendering() {
    }

    /** Columns ID, NAME, OPERATOR, PRINCIPAL, STATUS, ALGORITHM, FINGERPRINT. */
    public static String table(List<Officer> officers) {
        TextTable table = new TextTable("ID", "NAME", "OPERATOR", "PRINCIPAL", "STATUS", "ALGORITHM", "FINGERPRINT");
        for (Officer officer : officers) {
            table.row(officer.getId(), officer.getDisplayName(), officer.getOperator(),
                    officer.getPrincipal().isEmpty() ? "-" : officer.getPrincipal(),
                    officer.getStatus().name().replaceFirst("^OFFICER_(STATUS_)?", ""),
                    officer.getPublicKey().getAlgorithm().name(),
                    // Computed from the key rather than taken from the record: it is what people compare.
                    OfficerKeys.fingerprint(officer.getPublicKey()));
        }
        return table.render();
    }

    /** {@code Rule: ...} line. */
    public static String ruleLine(QuorumRule rule) {
        return "Rule: " + OperationDescriber.rule(rule) + "\n";
    }
}
