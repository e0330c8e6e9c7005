package coffre.kms.cli.officers;

import picocli.CommandLine.Command;

/** {@code coffre officers}: the registered key officers. It does nothing by itself. */
@Command(
        name = "officers",
        mixinStandardHelpOptions = true,
        description = "The registered key officers. Adding, removing and reinstating need officers' approval; "
                + "suspending acts at once on one officer's signature.",
        subcommands = {
            ListOfficersCommand.class,
            AddOfficerCommand.class,
            RemoveOfficerCommand.class,
            SuspendOfficerCommand.class,
            ReinstateOfficerCommand.class,
        })
public final class OfficersCommand {
}
