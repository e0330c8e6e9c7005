package coffre.kms.cli.keys;

import picocli.CommandLine.Command;

/** {@code coffre keys}: the group of key lifecycle commands. It does nothing by itself. */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description = "Create keys, inspect them, and manage their lifecycle and policies. Changes that widen access "
                + "create approval requests (see 'coffre approvals'); disable acts at once on an officer's signature.",
        subcommands = {
            CreateKeyCommand.class,
            ListKeysCommand.class,
            ShowKeyCommand.class,
            RotateKeyCommand.class,
            DisableKeyCommand.class,
            EnableKeyCommand.class,
            ScheduleDeletionCommand.class,
            CancelDeletionCommand.class,
            SetPolicyCommand.class,
            SetApprovalPolicyCommand.class,
            coffre.kms.cli.crypto.PublicKeyCommand.class,
        })
public final class KeysCommand {
}
