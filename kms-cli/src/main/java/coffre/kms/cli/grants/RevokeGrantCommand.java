package coffre.kms.cli.grants;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.PrefixedId;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.cli.officerkeys.OfficerSigningOptions;
import coffre.kms.cli.output.ActNowRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.GrantOperation;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.Operation;
import coffre.kms.v1.RevokeGrantRequest;
import coffre.kms.v1.RevokeGrantResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code coffre grants revoke GRANT_ID --officer-id ID --officer-key FILE}: narrows access, so acts at once. */
@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Revoke a grant at once, on your officer signature.")
public final class RevokeGrantCommand extends RpcCommand {

    @Parameters(index = "0", paramLabel = "GRANT_ID", converter = PrefixedId.GrantId.class, description = "Grant id (grt-...).")
    String grantId;

    @Mixin
    OfficerSigningOptions signing;

    private OfficerSigner signer;

    public RevokeGrantCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        signer = signing.load(runtime(), commandLine());
    }

    @Override
    protected int run(CoffreStubs rpc) {
        Operation operation = Operation.newBuilder().setRevokeGrant(GrantOperation.newBuilder().setGrantId(grantId)).build();
        OfficerSignature signature = signer.actNow(operation, Instant.now());
        RevokeGrantResponse response = rpc.keys().revokeGrant(RevokeGrantRequest.newBuilder()
                .setGrantId(grantId)
                .setSignature(signature)
                .build());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(ActNowRendering.line("Grant " + grantId + " revoked", signature, ""));
            printText(GrantRendering.table(List.of(response.getGrant())));
        }
        return ExitCodes.OK;
    }
}
