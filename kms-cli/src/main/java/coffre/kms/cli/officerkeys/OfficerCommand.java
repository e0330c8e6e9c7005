package coffre.kms.cli.officerkeys;

import picocli.CommandLine.Command;

/** {@code coffre officer}: what one key officer does on their own machine. It does nothing by itself. */
@Command(
        name = "officer",
        mixinStandardHelpOptions = true,
        description = "Your own officer key: make it (keygen). To manage the registered officers, see 'coffre officers'.",
        subcommands = {
            KeygenCommand.class,
        })
public final class OfficerCommand {
}
