package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.EnableKeyRequest;
import coffre.kms.v1.EnableKeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre keys enable KEY}: asks officers to enable a disabled key (enabling widens access). */
@Command(name = "enable", mixinStandardHelpOptions = true, description = "Ask to enable a disabled key; it is enabled once officers approve.")
public final class EnableKeyCommand extends RequestingCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    public EnableKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        EnableKeyResponse response = rpc.keys().enableKey(EnableKeyRequest.newBuilder().setKeyId(key.value()).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
