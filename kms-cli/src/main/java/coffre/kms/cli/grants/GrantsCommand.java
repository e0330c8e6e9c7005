package coffre.kms.cli.grants;

import picocli.CommandLine.Command;

/** {@code coffre grants}: time-bounded permissions for one principal on one key. */
@Command(
        name = "grants",
        mixinStandardHelpOptions = true,
        description = "Time-bounded permissions for one principal on one key. Creating one needs officers' approval; "
                + "revoking acts at once on one officer's signature.",
        subcommands = {
            CreateGrantCommand.class,
            ListGrantsCommand.class,
            RevokeGrantCommand.class,
        })
public final class GrantsCommand {
}
