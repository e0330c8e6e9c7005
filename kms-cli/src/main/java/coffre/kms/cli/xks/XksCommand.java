package coffre.kms.cli.xks;

import picocli.CommandLine.Command;

/** {@code coffre xks}: AWS KMS external key stores (docs/xks.md). It does nothing by itself. */
@Command(
        name = "xks",
        mixinStandardHelpOptions = true,
        description = "AWS KMS external key stores served by Coffre: the stores, their credentials and the keys they map.",
        subcommands = {
            StoresCommand.class,
            XksKeysCommand.class,
        })
public final class XksCommand {
}
