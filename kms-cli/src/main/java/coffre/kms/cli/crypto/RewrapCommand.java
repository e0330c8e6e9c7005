package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coffre rewrap}: re-encrypts an envelope under a primary version on the server; the plaintext never comes here. */
@Command(name = "rewrap", mixinStandardHelpOptions = true,
        description = "Re-encrypt an envelope under the primary version of its key (or of --target-key), "
                + "keeping its encryption context. The plaintext never leaves the server. "
                + "Prints the new envelope (base64), its key and version and the old ones, or writes the envelope's "
                + "raw bytes to --out; -o raw prints the envelope alone.")
public final class RewrapCommand extends CryptoCommand {

    @ArgGroup(exclusive = true, multiplicity = "1")
    EnvelopeSource source;

    @Option(names = "--target-key", paramLabel = "KEY", converter = KeyRef.Converter.class, order = 2,
            description = "Wrap under this key instead of the envelope's own. " + KeyRef.HELP)
    KeyRef targetKey;

    @Option(names = "--out", paramLabel = "FILE", order = 30, description = "Write the raw new envelope bytes here.")
    Path out;

    private ByteString envelope;

    public RewrapCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    void readInputs() throws IOException {
        envelope = consume(BinaryInput.read(source.inline, source.file, runtime().stdin()));
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        RewrapRequest.Builder request = RewrapRequest.newBuilder()
                .setEnvelope(envelope)
                .putAllEncryptionContext(context());
        if (targetKey != null) {
            request.setTargetKeyId(targetKey.value());
        }
        RewrapResponse response = rpc.crypto().rewrap(request.build());
        deliver(out, "Envelope", response.getEnvelope(), response, response.toBuilder().clearEnvelope(),
                keyAndVersion(response.getKeyId(), response.getKeyVersion()).andThen(block -> block.field("From",
                        response.getSourceKeyId() + " version " + Integer.toUnsignedString(response.getSourceKeyVersion()))));
        return ExitCodes.OK;
    }
}
