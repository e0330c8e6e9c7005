package coffre.kms.cli.dke;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.MapDkeKeyRequest;
import coffre.kms.v1.MapDkeKeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coffre dke keys map --name N --key K}: asks officers to let Office clients use a key under a name. */
@Command(name = "map", mixinStandardHelpOptions = true,
        description = "Ask officers to map a DKE key name to a Coffre RSA key (usage ENCRYPT_DECRYPT); an alias is "
                + "resolved to its key now. The label's key URL is then https://<service>/<name>.")
public final class MapDkeKeyCommand extends RequestingCommand {

    @Option(names = "--name", paramLabel = "NAME", required = true,
            description = "1-64 characters of A-Z a-z 0-9 _ -, case-sensitive: the last segment of the key URL.")
    String name;

    @Option(names = "--key", paramLabel = "KEY", required = true, converter = KeyRef.Converter.class,
            description = KeyRef.HELP)
    KeyRef key;

    public MapDkeKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        MapDkeKeyResponse response = rpc.dke().mapKey(MapDkeKeyRequest.newBuilder().setKeyName(name)
                .setKeyId(key.value()).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
