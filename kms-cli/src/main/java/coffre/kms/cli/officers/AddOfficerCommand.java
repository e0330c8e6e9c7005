package coffre.kms.cli.officers;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSpec;
import coffre.kms.v1.AddOfficerRequest;
import coffre.kms.v1.AddOfficerResponse;
import coffre.kms.v1.Officer;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coffre officers add --officer ID:NAME:OPERATOR:PRINCIPAL:PUBFILE}: asks officers to register one more. */
@Command(name = "add", mixinStandardHelpOptions = true,
        description = "Ask to register a new officer; it applies once officers approve. Check the fingerprint shown "
                + "with the new officer out of band.")
public final class AddOfficerCommand extends RequestingCommand {

    @Option(names = "--officer", paramLabel = OfficerSpec.FORM, required = true, converter = OfficerSpec.Converter.class,
            description = "The officer: id (a-z 0-9 _ -), display name, operator, API principal (may be empty) and "
                    + "the .pub file from 'coffre officer keygen'.")
    OfficerSpec spec;

    private Officer officer;

    public AddOfficerCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        officer = spec.toOfficer(commandLine(), "--officer");
    }

    @Override
    protected int run(CoffreStubs rpc) {
        AddOfficerResponse response = rpc.officers().addOfficer(AddOfficerRequest.newBuilder().setOfficer(officer).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
