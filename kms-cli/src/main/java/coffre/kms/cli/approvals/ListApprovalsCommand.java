package coffre.kms.cli.approvals;

import coffre.kms.cli.AllPages;
import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.ApprovalStateConverter;
import coffre.kms.cli.args.BoundedInt;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ListApprovalRequestsRequest;
import coffre.kms.v1.ListApprovalRequestsResponse;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre approvals list [--state S]...}: every page of approval requests, optionally of some
 * states only. The OPERATION column is coffre's own reading of each request's bytes. JSON is one
 * ListApprovalRequestsResponse holding every request.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List approval requests, all pages.")
public final class ListApprovalsCommand extends RpcCommand {

    @Option(names = "--state", paramLabel = "STATE", split = ",", converter = ApprovalStateConverter.class,
            description = "Only these states: " + ApprovalStateConverter.NAMES + "; repeat or separate with commas. "
                    + "Default: every state.")
    List<ApprovalState> states;

    @Option(names = "--page-size", paramLabel = "N", converter = BoundedInt.PageSize.class,
            description = "Requests per call, 1-1000 (server default 100).")
    Integer pageSize;

    public ListApprovalsCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        ListApprovalRequestsResponse.Builder all = ListApprovalRequestsResponse.newBuilder();
        AllPages.walk("", token -> {
            ListApprovalRequestsRequest.Builder request = ListApprovalRequestsRequest.newBuilder().setPageToken(token);
            if (states != null) {
                request.addAllStates(states);
            }
            if (pageSize != null) {
                request.setPageSize(pageSize);
            }
            return rpc.approvals().listApprovalRequests(request.build());
        }, ListApprovalRequestsResponse::getNextPageToken, page -> all.addAllRequests(page.getRequestsList()));
        if (format() == OutputFormat.JSON) {
            printJson(all);
        } else {
            printText(ApprovalRendering.table(all.getRequestsList().stream().map(ReviewedRequest::of).toList()));
        }
        return ExitCodes.OK;
    }
}
