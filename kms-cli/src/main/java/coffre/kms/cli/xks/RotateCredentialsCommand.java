package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.KeyStoreRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.RotateXksCredentialsRequest;
import coffre.kms.v1.RotateXksCredentialsResponse;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code coffre xks stores rotate-credentials STORE}: a new SigV4 credential for the store, shown
 * once, active once officers approve; the old one keeps working until it is revoked (at most two
 * are active at once).
 */
@Command(name = "rotate-credentials", mixinStandardHelpOptions = true,
        description = "Make a new SigV4 credential for a key store, shown once; it works once officers approve it, "
                + "next to the current one. Then update AWS KMS and revoke the old one.")
public final class RotateCredentialsCommand extends CredentialIssuingCommand {

    @Parameters(index = "0", paramLabel = "STORE", converter = KeyStoreRef.Converter.class, description = KeyStoreRef.HELP)
    KeyStoreRef store;

    public RotateCredentialsCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        RotateXksCredentialsResponse response = rpc.xks().rotateCredentials(RotateXksCredentialsRequest.newBuilder()
                .setKeyStoreId(store.value()).build());
        printIssued(response.getApprovalRequest(), store.value(), response.getCredential());
        return ExitCodes.OK;
    }
}
