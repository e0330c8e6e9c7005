package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre wrap}: encrypts a small plaintext under a key, printing the envelope with the key
 * and version that made it ({@code -o raw}: the envelope alone, as before labelled output).
 */
@Command(name = "wrap", mixinStandardHelpOptions = true,
        description = "Encrypt up to 4096 bytes under a key's primary version in the HSM. "
                + "Prints the envelope (base64), key and version, or writes the envelope's raw bytes to --out; "
                + "-o raw prints the envelope alone.")
public final class WrapCommand extends CryptoCommand {

    @Option(names = "--key", paramLabel = "KEY", required = true, converter = KeyRef.Converter.class,
            order = 1, description = KeyRef.HELP)
    KeyRef key;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PlaintextSource source;

    @Option(names = "--out", paramLabel = "FILE", order = 30, description = "Write the raw envelope bytes here.")
    Path out;

    private ByteString plaintext;

    public WrapCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    void readInputs() throws IOException {
        plaintext = consume(BinaryInput.read(source.inline, source.file, runtime().stdin()));
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        WrapResponse response = rpc.crypto().wrap(WrapRequest.newBuilder()
                .setKeyId(key.value())
                .setPlaintext(plaintext)
                .putAllEncryptionContext(context())
                .build());
        deliver(out, "Envelope", response.getEnvelope(), response, response.toBuilder().clearEnvelope(),
                keyAndVersion(response.getKeyId(), response.getKeyVersion()));
        return ExitCodes.OK;
    }
}
