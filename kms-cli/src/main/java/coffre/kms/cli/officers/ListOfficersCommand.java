package coffre.kms.cli.officers;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.ListOfficersRequest;
import coffre.kms.v1.ListOfficersResponse;
import picocli.CommandLine.Command;

/** {@code coffre officers list}: every officer and the quorum rule in force. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the officers and the quorum rule in force.")
public final class ListOfficersCommand extends RpcCommand {

    public ListOfficersCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        ListOfficersResponse response = rpc.officers().listOfficers(ListOfficersRequest.getDefaultInstance());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(OfficerRendering.table(response.getOfficersList()) + OfficerRendering.ruleLine(response.getRule()));
        }
        return ExitCodes.OK;
    }
}
