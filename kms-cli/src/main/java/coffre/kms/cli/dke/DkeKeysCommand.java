package coffre.kms.cli.dke;

import picocli.CommandLine.Command;

/** {@code coffre dke keys}: DKE key names and the Coffre keys they stand for. It does nothing by itself. */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description = "DKE key names (the last segment of a label's key URL, https://<service>/<name>) and the Coffre RSA "
                + "keys they stand for. Mapping creates an approval request; unmap acts at once on an officer's signature.",
        subcommands = {
            MapDkeKeyCommand.class,
            UnmapDkeKeyCommand.class,
            ListDkeKeysCommand.class,
        })
public final class DkeKeysCommand {
}
