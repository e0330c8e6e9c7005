package coffre.kms.cli.xks;

import picocli.CommandLine.Command;

/** {@code coffre xks keys}: the external key ids of key stores. It does nothing by itself. */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description = "External key ids (the keyId AWS KMS sends) and the Coffre keys they stand for. Mapping creates an "
                + "approval request; unmap acts at once on an officer's signature.",
        subcommands = {
            MapKeyCommand.class,
            UnmapKeyCommand.class,
            ListKeyMappingsCommand.class,
        })
public final class XksKeysCommand {
}
