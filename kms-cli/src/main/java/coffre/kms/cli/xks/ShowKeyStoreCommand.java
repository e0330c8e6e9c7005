package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.KeyStoreRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.GetXksKeyStoreRequest;
import coffre.kms.v1.GetXksKeyStoreResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre xks stores show STORE}: one key store with its credentials. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show a key store and its credentials.")
public final class ShowKeyStoreCommand extends KeyStoreCommand {

    @Parameters(index = "0", paramLabel = "STORE", converter = KeyStoreRef.Converter.class, description = KeyStoreRef.HELP)
    KeyStoreRef store;

    public ShowKeyStoreCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        GetXksKeyStoreResponse response = rpc.xks().getKeyStore(GetXksKeyStoreRequest.newBuilder()
                .setKeyStoreId(store.value()).build());
        printStore(response, response.getKeyStore());
        return ExitCodes.OK;
    }
}
