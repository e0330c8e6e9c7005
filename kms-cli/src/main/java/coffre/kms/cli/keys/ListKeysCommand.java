package coffre.kms.cli.keys;

import coffre.kms.cli.AllPages;
import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.BoundedInt;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.KeyRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.ListKeysResponse;
import java.io.IOException;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre keys list}: one page of keys, or with {@code --all} every page from the given
 * token on. With {@code --all} the JSON output is a single ListKeysResponse holding all keys and
 * an empty {@code next_page_token}, so scripts read the same shape either way.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List keys by id, a page at a time.")
public final class ListKeysCommand extends RpcCommand {

    @Option(names = "--page-size", paramLabel = "N", converter = BoundedInt.PageSize.class,
            description = "Keys per page, 1-1000 (server default 100).")
    Integer pageSize;

    @Option(names = "--page-token", paramLabel = "TOKEN", description = "next_page_token of a previous page.")
    String pageToken;

    @Option(names = "--all", description = "Follow next_page_token until the last page.")
    boolean all;

    public ListKeysCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        ListKeysResponse.Builder result = ListKeysResponse.newBuilder();
        String from = pageToken == null ? "" : pageToken;
        Function<String, ListKeysResponse> fetch = token -> {
            ListKeysRequest.Builder request = ListKeysRequest.newBuilder().setPageToken(token);
            if (pageSize != null) {
                request.setPageSize(pageSize);
            }
            return rpc.keys().listKeys(request.build());
        };
        if (all) {
            AllPages.walk(from, fetch, ListKeysResponse::getNextPageToken, page -> result.addAllKeys(page.getKeysList()));
        } else {
            ListKeysResponse page = fetch.apply(from);
            result.addAllKeys(page.getKeysList()).setNextPageToken(page.getNextPageToken());
        }
        print(result.build());
        return ExitCodes.OK;
    }

    private void print(ListKeysResponse response) {
        if (format() == OutputFormat.JSON) {
            printJson(response);
            return;
        }
        printText(KeyRendering.table(response.getKeysList()));
        if (!response.getNextPageToken().isEmpty()) {
            // On stderr so that stdout stays the table alone.
            err().println("More keys: --page-token " + response.getNextPageToken() + " (or --all)");
            err().flush();
        }
    }
}
