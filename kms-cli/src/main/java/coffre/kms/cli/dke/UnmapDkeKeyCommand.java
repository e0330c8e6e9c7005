package coffre.kms.cli.dke;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.cli.officerkeys.OfficerSigningOptions;
import coffre.kms.cli.output.ActNowRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.DkeKeyMappingOperation;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.Operation;
import coffre.kms.v1.UnmapDkeKeyRequest;
import coffre.kms.v1.UnmapDkeKeyResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coffre dke keys unmap --name N --officer-id ID ...}: at once, on one officer's signature. */
@Command(name = "unmap", mixinStandardHelpOptions = true,
        description = "Unmap a DKE key name at once, on your officer signature: Office clients no longer find it (404) "
                + "on any node, for encrypting and decrypting alike.")
public final class UnmapDkeKeyCommand extends RpcCommand {

    @Option(names = "--name", paramLabel = "NAME", required = true, description = "The DKE key name to unmap.")
    String name;

    @Mixin
    OfficerSigningOptions signing;

    private OfficerSigner signer;

    public UnmapDkeKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        signer = signing.load(runtime(), commandLine());
    }

    @Override
    protected int run(CoffreStubs rpc) {
        Operation operation = Operation.newBuilder().setUnmapDkeKey(DkeKeyMappingOperation.newBuilder().setKeyName(name))
                .build();
        OfficerSignature signature = signer.actNow(operation, Instant.now());
        UnmapDkeKeyResponse response = rpc.dke().unmapKey(UnmapDkeKeyRequest.newBuilder().setKeyName(name)
                .setSignature(signature).build());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(ActNowRendering.line("DKE key name " + name + " unmapped", signature,
                    "mapping it again needs officers' approval"));
            printText(ListDkeKeysCommand.table(List.of(response.getMapping())));
        }
        return ExitCodes.OK;
    }
}
