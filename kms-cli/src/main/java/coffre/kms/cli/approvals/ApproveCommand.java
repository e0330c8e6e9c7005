package coffre.kms.cli.approvals;

import coffre.kms.cli.CliRuntime;
import coffre.kms.v1.Decision;
import picocli.CommandLine.Command;

/** {@code coffre approvals approve ID --officer-id ID --officer-key FILE}: sign an approval. */
@Command(name = "approve", mixinStandardHelpOptions = true,
        description = "Approve a request with your officer key. coffre shows what it does, recomputes its digest "
                + "from the operation bytes and refuses to sign if it does not match.")
public final class ApproveCommand extends VoteCommand {

    public ApproveCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    Decision decision() {
        return Decision.APPROVE;
    }
}
