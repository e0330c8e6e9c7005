package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.KeyStoreRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.ListXksKeyStoresRequest;
import coffre.kms.v1.ListXksKeyStoresResponse;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
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
        Set<String> seenTokens = new HashSet<>();
        String token = "";
        do {
            ListXksKeyStoresResponse page = rpc.xks().listKeyStores(ListXksKeyStoresRequest.newBuilder()
                    .setPageToken(token).build());
            all.addAllKeyStores(page.getKeyStoresList());
            token = page.getNextPageToken();
            if (!token.isEmpty() && !seenTokens.add(token)) {
                throw new IOException("the server returned page token '" + token + "' twice; stopped listing");
            }
        } while (!token.isEmpty());
        if (format() == OutputFormat.JSON) {
            printJson(all);
        } else {
            printText(KeyStoreRendering.table(all.getKeyStoresList()));
        }
        return ExitCodes.OK;
    }
}
