package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.RotateKeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre keys rotate KEY}: asks officers to add a version generated in the HSM and make it primary. */
@Command(name = "rotate", mixinStandardHelpOptions = true, description = "Ask to rotate a key: once officers approve, a version generated in the HSM becomes primary; "
                + "older versions still unwrap.")
public final class RotateKeyCommand extends RequestingCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    public RotateKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        RotateKeyResponse response = rpc.keys().rotateKey(RotateKeyRequest.newBuilder().setKeyId(key.value()).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
