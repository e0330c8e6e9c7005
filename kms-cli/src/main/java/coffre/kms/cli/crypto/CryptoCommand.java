package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import java.io.IOException;
import java.util.Map;
import picocli.CommandLine.Mixin;

/**
 * Base of the envelope commands (wrap, unwrap, datakey, rewrap): the encryption context option,
 * on top of the way every data-plane command delivers its binary result ({@link BinaryResultCommand}).
 */
abstract class CryptoCommand extends BinaryResultCommand {

    @Mixin
    private EncryptionContextOptions contextOptions;

    private Map<String, String> context;

    CryptoCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected final void prepare() throws IOException {
        context = contextOptions.toMap(commandLine());
        readInputs();
    }

    /** The {@code --context} entries. */
    final Map<String, String> context() {
        return context;
    }
}
