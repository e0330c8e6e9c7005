package coffre.kms.cli.xks;

import coffre.kms.cli.AllPages;
import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.KeyStoreRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.ListXksKeyStoresRequest;
import coffre.kms.v1.ListXksKeyStoresResponse;
import java.io.IOException;
import picocli.CommandLine.Command;

/**
 * {@code coffre xks stores list}: every key store, by id (all pages; there are few). The JSON
 * output is one ListXksKeyStoresResponse with every store and an empty {@code next_page_token}.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the external key stores.")
public final class ListKeyStoresCommand extends RpcCommand {

    public ListKeyStoresCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        ListXksKeyStoresResponse.Builder all = ListXksKeyStoresResponse.newBuilder();
        AllPages.walk("", token -> rpc.xks().listKeyStores(ListXksKeyStoresRequest.newBuilder()
                        .setPageToken(token).build()),
                ListXksKeyStoresResponse::getNextPageToken, page -> all.addAllKeyStores(page.getKeyStoresList()));
        if (format() == OutputFormat.JSON) {
            printJson(all);
        } else {
            printText(KeyStoreRendering.table(all.getKeyStoresList()));
        }
        return ExitCodes.OK;
    }
}
