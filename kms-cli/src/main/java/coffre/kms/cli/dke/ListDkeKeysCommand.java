package coffre.kms.cli.dke;

import coffre.kms.cli.AllPages;
import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.cli.output.TextTable;
import coffre.kms.cli.output.Times;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.DkeKeyMapping;
import coffre.kms.v1.ListDkeKeyMappingsRequest;
import coffre.kms.v1.ListDkeKeyMappingsResponse;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code coffre dke keys list}: every DKE key name and its key (all pages). */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the DKE key names and the keys they stand for.")
public final class ListDkeKeysCommand extends RpcCommand {

    public ListDkeKeysCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        ListDkeKeyMappingsResponse.Builder all = ListDkeKeyMappingsResponse.newBuilder();
        AllPages.walk("", token -> rpc.dke().listKeyMappings(ListDkeKeyMappingsRequest.newBuilder()
                        .setPageToken(token).build()),
                ListDkeKeyMappingsResponse::getNextPageToken, page -> all.addAllMappings(page.getMappingsList()));
        if (format() == OutputFormat.JSON) {
            printJson(all);
        } else {
            printText(table(all.getMappingsList()));
        }
        return ExitCodes.OK;
    }

    /** Columns NAME, KEY, CREATED. */
    static String table(List<DkeKeyMapping> mappings) {
        TextTable table = new TextTable("NAME", "KEY", "CREATED");
        for (DkeKeyMapping mapping : mappings) {
            table.row(mapping.getKeyName(), mapping.getKeyId(), Times.format(mapping.getCreateTime()));
        }
        return table.render();
    }
}
