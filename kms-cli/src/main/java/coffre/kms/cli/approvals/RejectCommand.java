package coffre.kms.cli.approvals;

import coffre.kms.cli.CliRuntime;
import coffre.kms.v1.Decision;
import picocli.CommandLine.Command;

/** {@code coffre approvals reject ID --officer-id ID --officer-key FILE}: one signed rejection closes a request. */
@Command(name = "reject", mixinStandardHelpOptions = true,
        description = "Reject a request with your officer key; one rejection closes it.")
public final class RejectCommand extends VoteCommand {

    public RejectCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    Decision decision() {
        return Decision.REJECT;
    }
}
