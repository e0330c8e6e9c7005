package coffre.kms.cli.officers;

import picocli.CommandLine.Command;

/** {@code coffre quorum}: the rule deciding approval requests. */
@Command(
        name = "quorum",
        mixinStandardHelpOptions = true,
        description = "The quorum rule: how many officers, and how many per operator, must approve a request. "
                + "'coffre officers list' shows the rule in force.",
        subcommands = {
            SetQuorumCommand.class,
        })
public final class QuorumCommand {
}
