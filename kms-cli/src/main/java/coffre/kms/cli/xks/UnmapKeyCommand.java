package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.KeyStoreRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.cli.officerkeys.OfficerSigningOptions;
import coffre.kms.cli.output.ActNowRendering;
import coffre.kms.cli.output.KeyStoreRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.Operation;
import coffre.kms.v1.UnmapXksKeyRequest;
import coffre.kms.v1.UnmapXksKeyResponse;
import coffre.kms.v1.XksKeyMappingOperation;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coffre xks keys unmap --store S --external-key-id E --officer-id ID ...}: at once, on one officer's signature. */
@Command(name = "unmap", mixinStandardHelpOptions = true,
        description = "Unmap an external key id at once, on your officer signature: AWS KMS no longer finds it "
                + "(KeyNotFoundException) on any node.")
public final class UnmapKeyCommand extends KeyStoreCommand {

    @Option(names = "--store", paramLabel = "STORE", required = true, converter = KeyStoreRef.Converter.class,
            description = KeyStoreRef.HELP)
    KeyStoreRef store;

    @Option(names = "--external-key-id", paramLabel = "ID", required = true, description = "The external key id to unmap.")
    String externalKeyId;

    @Mixin
    OfficerSigningOptions signing;

    private OfficerSigner signer;

    public UnmapKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        signer = signing.load(runtime(), commandLine());
    }

    @Override
    protected int run(CoffreStubs rpc) {
        String id = idOf(rpc, store);
        Operation operation = Operation.newBuilder().setUnmapXksKey(XksKeyMappingOperation.newBuilder()
                .setKeyStoreId(id).setExternalKeyId(externalKeyId)).build();
        OfficerSignature signature = signer.actNow(operation, Instant.now());
        UnmapXksKeyResponse response = rpc.xks().unmapKey(UnmapXksKeyRequest.newBuilder().setKeyStoreId(id)
                .setExternalKeyId(externalKeyId).setSignature(signature).build());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(ActNowRendering.line("External key id " + externalKeyId + " of key store " + id + " unmapped",
                    signature, "mapping it again needs officers' approval"));
            printText(KeyStoreRendering.mappings(List.of(response.getMapping())));
        }
        return ExitCodes.OK;
    }
}
