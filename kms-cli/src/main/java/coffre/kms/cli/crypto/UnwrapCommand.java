package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre unwrap}: decrypts an envelope. The plaintext is this command's output and goes
 * only where asked: stdout in base64, or raw into {@code --out} (then never to stdout).
 */
@Command(name = "unwrap", mixinStandardHelpOptions = true,
        description = "Decrypt an envelope made by wrap, datakey or rewrap. The key is read from the envelope. "
                + "Prints the plaintext (base64), key and version, or writes the plaintext's raw bytes to --out "
                + "(created with mode 0600); -o raw prints the plaintext alone.")
public final class UnwrapCommand extends CryptoCommand {

    @ArgGroup(exclusive = true, multiplicity = "1")
    EnvelopeSource source;

    @Option(names = "--out", paramLabel = "FILE", order = 30, description = "Write the raw plaintext bytes here.")
    Path out;

    private ByteString envelope;

    public UnwrapCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    void readInputs() throws IOException {
        envelope = consume(BinaryInput.read(source.inline, source.file, runtime().stdin()));
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        UnwrapResponse response = rpc.crypto().unwrap(UnwrapRequest.newBuilder()
                .setEnvelope(envelope)
                .putAllEncryptionContext(context())
                .build());
        deliver(out, "Plaintext", response.getPlaintext(), response, response.toBuilder().clearPlaintext(),
                keyAndVersion(response.getKeyId(), response.getKeyVersion()));
        return ExitCodes.OK;
    }
}
