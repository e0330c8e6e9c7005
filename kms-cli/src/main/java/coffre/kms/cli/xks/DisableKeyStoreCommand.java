package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.KeyStoreRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.cli.officerkeys.OfficerSigningOptions;
import coffre.kms.cli.output.ActNowRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.DisableXksKeyStoreRequest;
import coffre.kms.v1.DisableXksKeyStoreResponse;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.Operation;
import coffre.kms.v1.XksKeyStoreOperation;
import java.io.IOException;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code coffre xks stores disable STORE --officer-id ID ...}: the XKS kill switch, on one officer's signature. */
@Command(name = "disable", mixinStandardHelpOptions = true,
        description = "Disable a key store at once, on your officer signature: AWS KMS's encrypt and decrypt through it "
                + "are refused on every node until officers approve enabling it again.")
public final class DisableKeyStoreCommand extends KeyStoreCommand {

    @Parameters(index = "0", paramLabel = "STORE", converter = KeyStoreRef.Converter.class, description = KeyStoreRef.HELP)
    KeyStoreRef store;

    @Mixin
    OfficerSigningOptions signing;

    private OfficerSigner signer;

    public DisableKeyStoreCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        signer = signing.load(runtime(), commandLine());
    }

    @Override
    protected int run(CoffreStubs rpc) {
        String id = idOf(rpc, store);
        Operation operation = Operation.newBuilder().setDisableXksKeyStore(XksKeyStoreOperation.newBuilder()
                .setKeyStoreId(id)).build();
        OfficerSignature signature = signer.actNow(operation, Instant.now());
        DisableXksKeyStoreResponse response = rpc.xks().disableKeyStore(DisableXksKeyStoreRequest.newBuilder()
                .setKeyStoreId(id).setSignature(signature).build());
        if (format() != OutputFormat.JSON) {
            printText(ActNowRendering.line("Key store " + id + " disabled", signature,
                    "enabling it again needs officers' approval"));
        }
        printStore(response, response.getKeyStore());
        return ExitCodes.OK;
    }
}
