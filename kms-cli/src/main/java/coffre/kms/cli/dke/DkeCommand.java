package coffre.kms.cli.dke;

import picocli.CommandLine.Command;

/** {@code coffre dke}: Microsoft 365 Double Key Encryption (docs/dke.md). It does nothing by itself. */
@Command(
        name = "dke",
        mixinStandardHelpOptions = true,
        description = "Microsoft 365 Double Key Encryption served by Coffre: the key names of sensitivity labels' key URLs.",
        subcommands = {
            DkeKeysCommand.class,
        })
public final class DkeCommand {
}
