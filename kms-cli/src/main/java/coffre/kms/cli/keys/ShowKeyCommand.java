package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.GetKeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre keys show KEY}: Show a key with its versions. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show a key with its versions.")
public final class ShowKeyCommand extends KeyCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    public ShowKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        GetKeyResponse response = rpc.keys().getKey(GetKeyRequest.newBuilder().setKeyId(key.value()).build());
        printKey(response, response.getKey());
        return ExitCodes.OK;
    }
}
