package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.args.KeyStoreRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.MapXksKeyRequest;
import coffre.kms.v1.MapXksKeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coffre xks keys map --store S --external-key-id E --key K}: asks officers to let AWS KMS use a key. */
@Command(name = "map", mixinStandardHelpOptions = true,
        description = "Ask officers to map an external key id of a key store (the keyId AWS KMS sends) to a Coffre key; "
                + "an alias is resolved to its key now.")
public final class MapKeyCommand extends RequestingCommand {

    @Option(names = "--store", paramLabel = "STORE", required = true, converter = KeyStoreRef.Converter.class,
            description = KeyStoreRef.HELP)
    KeyStoreRef store;

    @Option(names = "--external-key-id", paramLabel = "ID", required = true,
            description = "1-128 characters of A-Z a-z 0-9 . _ -, as given to AWS KMS CreateKey (XksKeyId).")
    String externalKeyId;

    @Option(names = "--key", paramLabel = "KEY", required = true, converter = KeyRef.Converter.class,
            description = KeyRef.HELP)
    KeyRef key;

    public MapKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        MapXksKeyResponse response = rpc.xks().mapKey(MapXksKeyRequest.newBuilder().setKeyStoreId(store.value())
                .setExternalKeyId(externalKeyId).setKeyId(key.value()).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
