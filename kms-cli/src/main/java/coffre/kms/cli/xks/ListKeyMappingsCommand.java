package coffre.kms.cli.xks;

import coffre.kms.cli.AllPages;
import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.KeyStoreRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.KeyStoreRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.ListXksKeyMappingsRequest;
import coffre.kms.v1.ListXksKeyMappingsResponse;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coffre xks keys list --store S}: every external key id of a store and its key (all pages). */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the external key ids a key store maps.")
public final class ListKeyMappingsCommand extends RpcCommand {

    @Option(names = "--store", paramLabel = "STORE", required = true, converter = KeyStoreRef.Converter.class,
            description = KeyStoreRef.HELP)
    KeyStoreRef store;

    public ListKeyMappingsCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        ListXksKeyMappingsResponse.Builder all = ListXksKeyMappingsResponse.newBuilder();
        AllPages.walk("", token -> rpc.xks().listKeyMappings(ListXksKeyMappingsRequest.newBuilder()
                        .setKeyStoreId(store.value()).setPageToken(token).build()),
                ListXksKeyMappingsResponse::getNextPageToken, page -> all.addAllMappings(page.getMappingsList()));
        if (format() == OutputFormat.JSON) {
            printJson(all);
        } else {
            printText(KeyStoreRendering.mappings(all.getMappingsList()));
        }
        return ExitCodes.OK;
    }
}
