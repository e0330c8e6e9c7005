package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.Rpc;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.DisableKeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre keys disable KEY}: refuses every wrap and unwrap with the key until it is enabled again. */
@Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable a key: every wrap and unwrap is refused until it is enabled again.")
public final class DisableKeyCommand extends KeyCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    public DisableKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(Rpc rpc) {
        DisableKeyResponse response = rpc.keys().disableKey(DisableKeyRequest.newBuilder().setKeyId(key.value()).build());
        printKey(response, response.getKey());
        return ExitCodes.OK;
    }
}
