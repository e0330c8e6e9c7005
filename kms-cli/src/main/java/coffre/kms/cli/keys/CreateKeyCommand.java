package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.Rpc;
import coffre.kms.cli.args.KeyValue;
import coffre.kms.cli.args.KeyValues;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateKeyResponse;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coffre keys create}: a new key whose first version is generated in the HSM; the server picks the id. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a key. Its first version is generated inside the HSM; the server chooses its id.")
public final class CreateKeyCommand extends KeyCommand {

    @Option(names = "--alias", paramLabel = "ALIAS",
            description = "Unique alias, 1-64 characters of A-Z a-z 0-9 _ - /, starting with a letter or digit "
                    + "(then usable as alias/ALIAS).")
    String alias;

    @Option(names = "--description", paramLabel = "TEXT", description = "Free text, at most 1024 characters.")
    String description;

    @Option(names = "--label", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class,
            description = "A label; repeat for more (at most 32).")
    List<KeyValue> labels;

    private Map<String, String> labelMap;

    public CreateKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() {
        labelMap = KeyValues.toMap(commandLine(), "--label", labels);
    }

    @Override
    protected int run(Rpc rpc) {
        CreateKeyRequest.Builder request = CreateKeyRequest.newBuilder().putAllLabels(labelMap);
        if (alias != null) {
            request.setAlias(alias);
        }
        if (description != null) {
            request.setDescription(description);
        }
        CreateKeyResponse response = rpc.keys().createKey(request.build());
        printKey(response, response.getKey());
        return ExitCodes.OK;
    }
}
