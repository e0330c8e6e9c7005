package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.cli.officerkeys.OfficerSigningOptions;
import coffre.kms.cli.output.ActNowRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.DisableKeyResponse;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.Operation;
import java.io.IOException;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code coffre keys disable KEY --officer-id ID --officer-key FILE}: the kill switch. Disabling
 * only narrows access, so one officer's signature over the act-now statement suffices and the key
 * is disabled at once. An alias is first resolved to the key id, so the officer signs for one
 * exact key whatever the alias points to by the time the server acts.
 */
@Command(name = "disable", mixinStandardHelpOptions = true,
        description = "Disable a key at once, on your officer signature: every wrap and unwrap is refused until "
                + "officers approve enabling it again.")
public final class DisableKeyCommand extends KeyCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    @Mixin
    OfficerSigningOptions signing;

    private OfficerSigner signer;

    public DisableKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        signer = signing.load(runtime(), commandLine());
    }

    @Override
    protected int run(CoffreStubs rpc) {
        String keyId = key.isAlias()
                ? rpc.keys().getKey(GetKeyRequest.newBuilder().setKeyId(key.value()).build()).getKey().getId()
                : key.value();
        Operation operation = Operation.newBuilder().setDisableKey(KeyOperation.newBuilder().setKeyId(keyId)).build();
        OfficerSignature signature = signer.actNow(operation, Instant.now());
        DisableKeyResponse response = rpc.keys().disableKey(DisableKeyRequest.newBuilder()
                .setKeyId(keyId)
                .setSignature(signature)
                .build());
        if (format() != OutputFormat.JSON) {
            printText(ActNowRendering.line("Key " + keyId + " disabled", signature,
                    "enabling it again needs officers' approval"));
        }
        printKey(response, response.getKey());
        return ExitCodes.OK;
    }
}
