package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.KeyStoreRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.cli.officerkeys.OfficerSigningOptions;
import coffre.kms.cli.output.ActNowRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.Operation;
import coffre.kms.v1.RevokeXksCredentialRequest;
import coffre.kms.v1.RevokeXksCredentialResponse;
import coffre.kms.v1.XksCredentialOperation;
import java.io.IOException;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code coffre xks stores revoke-credential STORE --access-key-id A --officer-id ID ...}: a SigV4
 * credential stops authenticating at once and its HSM key is destroyed.
 */
@Command(name = "revoke-credential", mixinStandardHelpOptions = true,
        description = "Revoke a SigV4 credential of a key store at once, on your officer signature: calls signed with it "
                + "are refused on every node and its HSM key is destroyed.")
public final class RevokeCredentialCommand extends KeyStoreCommand {

    @Parameters(index = "0", paramLabel = "STORE", converter = KeyStoreRef.Converter.class, description = KeyStoreRef.HELP)
    KeyStoreRef store;

    @Option(names = "--access-key-id", paramLabel = "ID", required = true,
            description = "The credential's access key id (see 'coffre xks stores show').")
    String accessKeyId;

    @Mixin
    OfficerSigningOptions signing;

    private OfficerSigner signer;

    public RevokeCredentialCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        signer = signing.load(runtime(), commandLine());
    }

    @Override
    protected int run(CoffreStubs rpc) {
        String id = idOf(rpc, store);
        Operation operation = Operation.newBuilder().setRevokeXksCredential(XksCredentialOperation.newBuilder()
                .setKeyStoreId(id).setAccessKeyId(accessKeyId)).build();
        OfficerSignature signature = signer.actNow(operation, Instant.now());
        RevokeXksCredentialResponse response = rpc.xks().revokeCredential(RevokeXksCredentialRequest.newBuilder()
                .setKeyStoreId(id).setAccessKeyId(accessKeyId).setSignature(signature).build());
        if (format() != OutputFormat.JSON) {
            printText(ActNowRendering.line("Credential " + accessKeyId + " of key store " + id + " revoked", signature,
                    "it cannot be made to work again"));
        }
        if (format() == OutputFormat.JSON || response.hasKeyStore()) {
            printStore(response, response.getKeyStore());
        }
        return ExitCodes.OK;
    }
}
