package coffre.kms.cli.approvals;

import picocli.CommandLine.Command;

/** {@code coffre approvals}: review approval requests and vote on them. It does nothing by itself. */
@Command(
        name = "approvals",
        mixinStandardHelpOptions = true,
        description = "Review approval requests and vote on them as an officer. coffre decodes each request's "
                + "operation itself, shows it in plain words and checks its digest before you sign.",
        subcommands = {
            ListApprovalsCommand.class,
            ShowApprovalCommand.class,
            ApproveCommand.class,
            RejectCommand.class,
            WatchApprovalsCommand.class,
        })
public final class ApprovalsCommand {
}
