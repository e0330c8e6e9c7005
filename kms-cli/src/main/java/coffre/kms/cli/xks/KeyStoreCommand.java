package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.KeyStoreRef;
import coffre.kms.cli.output.KeyStoreRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.GetXksKeyStoreRequest;
import coffre.kms.v1.XksKeyStore;
import com.google.protobuf.MessageOrBuilder;

/**
 * Base of the commands whose answer is one key store (show, disable, revoke-credential): they
 * print it the same way, and the ones that sign resolve a name to the store's id first, so an
 * officer signs for one exact store whatever the name means by the time the server acts.
 */
abstract class KeyStoreCommand extends RpcCommand {

    KeyStoreCommand(CliRuntime runtime) {
        super(runtime);
    }

    /** The store's id: {@code store} itself, or the id of the store of that name. */
    static String idOf(CoffreStubs rpc, KeyStoreRef store) {
        return store.isName() ? get(rpc, store.value()).getId() : store.value();
    }

    static XksKeyStore get(CoffreStubs rpc, String keyStoreId) {
        return rpc.xks().getKeyStore(GetXksKeyStoreRequest.newBuilder().setKeyStoreId(keyStoreId).build()).getKeyStore();
    }

    /** Prints {@code response} as JSON, or {@code store} as a detailed block. */
    final void printStore(MessageOrBuilder response, XksKeyStore store) {
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(KeyStoreRendering.details(store));
        }
    }
}
