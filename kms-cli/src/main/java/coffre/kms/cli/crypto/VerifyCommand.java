package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.args.WireEnumConverter;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.LabelledBlock;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.SigningAlgorithm;
import coffre.kms.v1.VerifyRequest;
import coffre.kms.v1.VerifyResponse;
import com.google.protobuf.ByteString;
import java.io.IOException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre verify}: the server checks a signature with a key version's public key. A signature
 * that does not verify is an answer, printed as such, with its own exit code for scripts.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check a signature of a message (or its digest) with a version of a SIGN_VERIFY key (default: "
                + "the primary; give the version 'coffre sign' printed after a rotation). Prints whether it is valid, "
                + "the key, version and algorithm. Exits 0 when valid, " + ExitCodes.INVALID_SIGNATURE + " when not.")
public final class VerifyCommand extends BinaryResultCommand {

    @Option(names = "--key", paramLabel = "KEY", required = true, converter = KeyRef.Converter.class,
            order = 1, description = KeyRef.HELP)
    KeyRef key;

    @Option(names = "--version", paramLabel = "N", order = 2,
            description = "The key version that signed (default: the primary).")
    int version;

    @ArgGroup(exclusive = true, multiplicity = "1")
    SigningInputSource source;

    @ArgGroup(exclusive = true, multiplicity = "1")
    SignatureSource signature;

    @Option(names = "--algorithm", paramLabel = "ALG", converter = WireEnumConverter.SigningAlgorithms.class,
            order = 3, description = "RSASSA_PSS_SHA_256, ECDSA_SHA_256 or ECDSA_SHA_384; default: the key's own.")
    SigningAlgorithm algorithm;

    private SigningInputSource.Input input;
    private byte[] signatureBytes;

    public VerifyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    boolean rawValue() {
        return false;
    }

    @Override
    void readInputs() throws IOException {
        input = source.read(runtime().stdin());
        signatureBytes = signature.inline != null ? signature.inline.take()
                : LocalFiles.read("--signature-in", signature.file, runtime().stdin());
    }

    @Override
    protected int run(CoffreStubs rpc) {
        VerifyRequest.Builder request = VerifyRequest.newBuilder().setKeyId(key.value()).setKeyVersion(version)
                .setSignature(ByteString.copyFrom(signatureBytes));
        if (input.isDigest()) {
            request.setDigest(ByteString.copyFrom(input.bytes()));
        } else {
            request.setMessage(ByteString.copyFrom(input.bytes()));
        }
        if (algorithm != null) {
            request.setAlgorithm(algorithm);
        }
        VerifyResponse response = rpc.crypto().verify(request.build());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(new LabelledBlock(LABEL_WIDTH)
                    .field("Valid", response.getValid() ? "yes" : "no: the signature does not verify")
                    .field("Key", response.getKeyId())
                    .field("Version", Integer.toUnsignedString(response.getKeyVersion()))
                    .field("Algorithm", response.getAlgorithm().name())
                    .render());
        }
        return response.getValid() ? ExitCodes.OK : ExitCodes.INVALID_SIGNATURE;
    }
}
