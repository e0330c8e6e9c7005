package coffre.kms.cli.grants;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.ListGrantsRequest;
import coffre.kms.v1.ListGrantsResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coffre grants list [--key KEY] [--include-revoked]}. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List grants, on one key or on all.")
public final class ListGrantsCommand extends RpcCommand {

    @Option(names = "--key", paramLabel = "KEY", converter = KeyRef.Converter.class,
            description = "Only grants on this key. " + KeyRef.HELP)
    KeyRef key;

    @Option(names = "--include-revoked", description = "Also list revoked grants.")
    boolean includeRevoked;

    public ListGrantsCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        ListGrantsRequest.Builder request = ListGrantsRequest.newBuilder().setIncludeRevoked(includeRevoked);
        if (key != null) {
            request.setKeyId(key.value());
        }
        ListGrantsResponse response = rpc.keys().listGrants(request.build());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(GrantRendering.table(response.getGrantsList()));
        }
        return ExitCodes.OK;
    }
}
