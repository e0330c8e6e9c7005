package coffre.kms.cli.xks;

import picocli.CommandLine.Command;

/** {@code coffre xks stores}: the group of key store commands. It does nothing by itself. */
@Command(
        name = "stores",
        mixinStandardHelpOptions = true,
        description = "AWS external key stores and their SigV4 credentials. Creating a store, rotating its credentials "
                + "and enabling it create approval requests; disable and revoke-credential act at once on an officer's "
                + "signature.",
        subcommands = {
            CreateKeyStoreCommand.class,
            ListKeyStoresCommand.class,
            ShowKeyStoreCommand.class,
            RotateCredentialsCommand.class,
            RevokeCredentialCommand.class,
            DisableKeyStoreCommand.class,
            EnableKeyStoreCommand.class,
        })
public final class StoresCommand {
}
