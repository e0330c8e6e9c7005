package coffre.kms.cli.officers;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.OfficerId;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.ReinstateOfficerRequest;
import coffre.kms.v1.ReinstateOfficerResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code coffre officers reinstate ID}: asks officers to let a suspended officer sign again. */
@Command(name = "reinstate", mixinStandardHelpOptions = true,
        description = "Ask to reinstate a suspended officer; it applies once officers approve.")
public final class ReinstateOfficerCommand extends RequestingCommand {

    @Parameters(index = "0", paramLabel = "ID", converter = OfficerId.Converter.class, description = "Officer id.")
    OfficerId officerId;

    public ReinstateOfficerCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        ReinstateOfficerResponse response = rpc.officers().reinstateOfficer(
                ReinstateOfficerRequest.newBuilder().setOfficerId(officerId.value()).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
