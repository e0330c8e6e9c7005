package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.KeyStoreRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.EnableXksKeyStoreRequest;
import coffre.kms.v1.EnableXksKeyStoreResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre xks stores enable STORE}: asks officers to let AWS KMS use the store again. */
@Command(name = "enable", mixinStandardHelpOptions = true,
        description = "Ask officers to enable a disabled key store again.")
public final class EnableKeyStoreCommand extends RequestingCommand {

    @Parameters(index = "0", paramLabel = "STORE", converter = KeyStoreRef.Converter.class, description = KeyStoreRef.HELP)
    KeyStoreRef store;

    public EnableKeyStoreCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        EnableXksKeyStoreResponse response = rpc.xks().enableKeyStore(EnableXksKeyStoreRequest.newBuilder()
                .setKeyStoreId(store.value()).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
