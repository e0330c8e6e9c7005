package coffre.kms.cli.ceremony;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.LabelledBlock;
import coffre.kms.cli.output.OperationDescriber;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.GetCeremonyStatusRequest;
import coffre.kms.v1.GetCeremonyStatusResponse;
import picocli.CommandLine.Command;

/** {@code coffre ceremony status}: whether the server has been initialised, its rule and active officers. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show whether the server has been initialised, and its quorum rule.")
public final class CeremonyStatusCommand extends RpcCommand {

    public CeremonyStatusCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        GetCeremonyStatusResponse response = rpc.officers().getCeremonyStatus(GetCeremonyStatusRequest.getDefaultInstance());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else if (!response.getInitialized()) {
            printText("Initialised: no (run the init ceremony: coffre ceremony --help)\n");
        } else {
            printText(new LabelledBlock(17)
                    .field("Initialised", "yes")
                    .field("Rule", OperationDescriber.rule(response.getRule()))
                    .field("Active officers", Integer.toUnsignedString(response.getActiveOfficers()))
                    .render());
        }
        return ExitCodes.OK;
    }
}
