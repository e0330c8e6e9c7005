package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.CancelKeyDeletionRequest;
import coffre.kms.v1.CancelKeyDeletionResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre keys cancel-deletion KEY}: asks officers to cancel a scheduled deletion. */
@Command(name = "cancel-deletion", mixinStandardHelpOptions = true, description = "Ask to cancel a scheduled deletion; once officers approve, the key returns to DISABLED.")
public final class CancelDeletionCommand extends RequestingCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    public CancelDeletionCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        CancelKeyDeletionResponse response = rpc.keys().cancelKeyDeletion(CancelKeyDeletionRequest.newBuilder().setKeyId(key.value()).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
