package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.args.BoundedInt;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.LabelledBlock;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre datakey}: a fresh data key from the HSM's RNG, printed in plaintext and wrapped.
 * Printing the plaintext is the point of the command; it is never printed anywhere else.
 */
@Command(name = "datakey", mixinStandardHelpOptions = true,
        description = "Generate a random data key in the HSM. Prints it in plaintext (base64) and wrapped under KEY "
                + "(envelope, base64): keep the envelope, use the plaintext, then forget it.")
public final class DataKeyCommand extends CryptoCommand {

    @Option(names = "--key", paramLabel = "KEY", required = true, converter = KeyRef.Converter.class,
            order = 1, description = KeyRef.HELP)
    KeyRef key;

    @Option(names = "--length", paramLabel = "BYTES", converter = BoundedInt.DataKeyLength.class, order = 2,
            description = "Data key length in bytes: 16, 24, 32 or 64 (server default 32).")
    Integer length;

    public DataKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    boolean rawValue() {
        // Two values (plaintext and envelope): -o raw would have to drop one of them.
        return false;
    }

    @Override
    protected int run(CoffreStubs rpc) {
        GenerateDataKeyRequest.Builder request = GenerateDataKeyRequest.newBuilder()
                .setKeyId(key.value())
                .putAllEncryptionContext(context());
        if (length != null) {
            request.setLengthBytes(length);
        }
        GenerateDataKeyResponse response = rpc.crypto().generateDataKey(request.build());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(new LabelledBlock(LABEL_WIDTH)
                    .field("Plaintext", base64(response.getPlaintext()))
                    .field("Envelope", base64(response.getEnvelope()))
                    .field("Key", response.getKeyId())
                    .field("Version", Integer.toUnsignedString(response.getKeyVersion()))
                    .render());
        }
        return ExitCodes.OK;
    }
}
