package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.output.KeyRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.Key;
import com.google.protobuf.MessageOrBuilder;

/**
 * Base of the commands whose answer is one key: they all print it the same way, the detailed
 * block for people or the whole response message as JSON.
 */
abstract class KeyCommand extends RpcCommand {

    KeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    /** Prints {@code response} as JSON, or {@code key} as a detailed block. */
    final void printKey(MessageOrBuilder response, Key key) {
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(KeyRendering.details(key));
        }
    }
}
