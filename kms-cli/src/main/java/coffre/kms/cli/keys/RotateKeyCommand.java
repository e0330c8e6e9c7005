package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.Rpc;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.RotateKeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre keys rotate KEY}: Add a version generated in the HSM and make it primary; older versions still unwrap. */
@Command(name = "rotate", mixinStandardHelpOptions = true, description = "Add a version generated in the HSM and make it primary; older versions still unwrap.")
public final class RotateKeyCommand extends KeyCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    public RotateKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(Rpc rpc) {
        RotateKeyResponse response = rpc.keys().rotateKey(RotateKeyRequest.newBuilder().setKeyId(key.value()).build());
        printKey(response, response.getKey());
        return ExitCodes.OK;
    }
}
