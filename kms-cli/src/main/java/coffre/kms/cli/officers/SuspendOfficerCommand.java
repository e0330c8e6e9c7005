package coffre.kms.cli.officers;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.OfficerId;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.cli.officerkeys.OfficerSigningOptions;
import coffre.kms.cli.output.ActNowRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerOperation;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.Operation;
import coffre.kms.v1.SuspendOfficerRequest;
import coffre.kms.v1.SuspendOfficerResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code coffre officers suspend ID --officer-id ME --officer-key FILE}: narrows who may sign, so
 * acts at once on one officer's signature (e.g. when a colleague's key is lost or stolen).
 */
@Command(name = "suspend", mixinStandardHelpOptions = true,
        description = "Suspend an officer at once, on your officer signature: their signatures and votes stop "
                + "counting until officers approve reinstating them.")
public final class SuspendOfficerCommand extends RpcCommand {

    @Parameters(index = "0", paramLabel = "ID", converter = OfficerId.Converter.class, description = "Officer to suspend.")
    OfficerId target;

    @Mixin
    OfficerSigningOptions signing;

    private OfficerSigner signer;

    public SuspendOfficerCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        signer = signing.load(runtime(), commandLine());
    }

    @Override
    protected int run(CoffreStubs rpc) {
        Operation operation = Operation.newBuilder()
                .setSuspendOfficer(OfficerOperation.newBuilder().setOfficerId(target.value()))
                .build();
        OfficerSignature signature = signer.actNow(operation, Instant.now());
        SuspendOfficerResponse response = rpc.officers().suspendOfficer(SuspendOfficerRequest.newBuilder()
                .setOfficerId(target.value())
                .setSignature(signature)
                .build());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            Officer officer = response.getOfficer();
            printText(ActNowRendering.line("Officer " + target.value() + " suspended", signature,
                    "reinstating them needs officers' approval"));
            printText(OfficerRendering.table(List.of(officer)));
        }
        return ExitCodes.OK;
    }
}
