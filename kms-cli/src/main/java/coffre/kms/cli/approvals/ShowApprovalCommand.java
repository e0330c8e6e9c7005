package coffre.kms.cli.approvals;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.PrefixedId;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.JsonObject;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.GetApprovalRequestRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code coffre approvals show ID}: one request, its operation in plain words as decoded by coffre
 * from the request's bytes, and the digest recomputed from them. A request whose digest does not
 * match its bytes, or whose operation coffre cannot fully read, is refused (exit 71): it is not
 * shown as if it could be trusted.
 *
 * <p>JSON: {@code {"request": ApprovalRequest, "operation": Operation, "description": "...",
 * "digest_hex": "..."}}.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Show an approval request: what it will do in plain words (decoded by coffre from the "
                + "operation bytes), the digest coffre recomputed, the rule and the votes.")
public final class ShowApprovalCommand extends RpcCommand {

    @Parameters(index = "0", paramLabel = "ID", converter = PrefixedId.ApprovalRequestId.class,
            description = "Approval request id (apr-...).")
    String requestId;

    public ShowApprovalCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        ReviewedRequest reviewed = ReviewedRequest.of(rpc.approvals()
                .getApprovalRequest(GetApprovalRequestRequest.newBuilder().setRequestId(requestId).build())
                .getRequest());
        if (!reviewed.signable()) {
            printError("refusing to show " + reviewed.id() + " as trustworthy: " + reviewed.problem().orElseThrow()
                    + "; do not approve it, and report it to the server's operators");
            return ExitCodes.REFUSED;
        }
        if (format() == OutputFormat.JSON) {
            printText(new JsonObject()
                    .message("request", reviewed.request())
                    .message("operation", reviewed.operation().orElseThrow())
                    .string("description", reviewed.description())
                    .string("digest_hex", reviewed.digestHex())
                    .render() + "\n");
        } else {
            printText(ApprovalRendering.details(reviewed, QuorumProgress.officersFor(reviewed.request(), rpc)));
        }
        return ExitCodes.OK;
    }
}
