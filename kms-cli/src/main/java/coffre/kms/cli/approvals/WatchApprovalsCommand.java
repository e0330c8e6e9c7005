package coffre.kms.cli.approvals;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.ApprovalStateConverter;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.cli.output.ProtoJson;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.WatchApprovalRequestsRequest;
import io.grpc.Context;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre approvals watch}: one line per request created or changed, starting with the
 * pending ones, until interrupted (or {@code --max-events}). With {@code -o json}, one compact
 * ApprovalRequest per line. The stream has no deadline; {@code --timeout} does not apply to it.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Print approval requests as they are created and change state, one line each, until "
                + "interrupted. Starts with the pending ones.")
public final class WatchApprovalsCommand extends RpcCommand {

    @Option(names = "--state", paramLabel = "STATE", split = ",", converter = ApprovalStateConverter.class,
            description = "Only these states: " + ApprovalStateConverter.NAMES + ". Default: every state.")
    List<ApprovalState> states;

    @Option(names = "--max-events", paramLabel = "N", description = "Stop after N events (default: never).")
    Integer maxEvents;

    public WatchApprovalsCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() {
        if (maxEvents != null && maxEvents < 1) {
            throw new picocli.CommandLine.ParameterException(commandLine(),
                    "Invalid value for option '--max-events': " + maxEvents + " is not allowed; expected 1 or more");
        }
    }

    @Override
    protected int run(CoffreStubs rpc) {
        WatchApprovalRequestsRequest.Builder request = WatchApprovalRequestsRequest.newBuilder();
        if (states != null) {
            request.addAllStates(states);
        }
        // Leaving the loop early cancels the call through this context, so the server stops streaming.
        try (Context.CancellableContext call = Context.current().withCancellation()) {
            Context previous = call.attach();
            try {
                Iterator<ApprovalRequest> events = rpc.approvalsStream().watch(request.build());
                int seen = 0;
                while ((maxEvents == null || seen < maxEvents) && events.hasNext()) {
                    print(events.next());
                    seen++;
                }
                if (maxEvents == null || seen < maxEvents) {
                    err().println("The server ended the watch.");
                    err().flush();
                }
            } finally {
                call.detach(previous);
            }
        }
        return ExitCodes.OK;
    }

    private void print(ApprovalRequest event) {
        if (format() == OutputFormat.JSON) {
            printText(ProtoJson.compact(event) + "\n");
        } else {
            printText(ApprovalRendering.event(ReviewedRequest.of(event)));
        }
    }
}
