package coffre.kms.cli.officers;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.OfficerId;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.RemoveOfficerRequest;
import coffre.kms.v1.RemoveOfficerResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre officers remove ID}: asks officers to remove one for good. */
@Command(name = "remove", mixinStandardHelpOptions = true,
        description = "Ask to remove an officer for good; it applies once officers approve. "
                + "To stop an officer at once, use 'officers suspend'.")
public final class RemoveOfficerCommand extends RequestingCommand {

    @Parameters(index = "0", paramLabel = "ID", converter = OfficerId.Converter.class, description = "Officer id.")
    OfficerId officerId;

    public RemoveOfficerCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        RemoveOfficerResponse response = rpc.officers().removeOfficer(
                RemoveOfficerRequest.newBuilder().setOfficerId(officerId.value()).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
