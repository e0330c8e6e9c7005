package coffre.kms.cli.approvals;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.ApprovalRequest;
import com.google.protobuf.MessageOrBuilder;

/**
 * Base of the commands whose call does not act but creates an {@link ApprovalRequest} (creating
 * or enabling a key, a grant, an officer change...). They all print it the same way: the request
 * with the CLI's own reading of its operation and the command to review it, or the response as JSON.
 */
public abstract class RequestingCommand extends RpcCommand {

    protected RequestingCommand(CliRuntime runtime) {
        super(runtime);
    }

    /** Prints {@code response} as JSON, or {@code request} for people. */
    protected final void printRequest(MessageOrBuilder response, ApprovalRequest request) {
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(ApprovalRendering.created(ReviewedRequest.of(request)));
        }
    }
}
