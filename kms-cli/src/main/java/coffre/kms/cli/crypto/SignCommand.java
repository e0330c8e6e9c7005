package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.args.WireEnumConverter;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.SignRequest;
import coffre.kms.v1.SignResponse;
import coffre.kms.v1.SigningAlgorithm;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coffre sign}: a signature made in the HSM by the primary version of a SIGN_VERIFY key. */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Sign a message (hashed by the server) or its digest in the HSM with the primary version of a "
                + "SIGN_VERIFY key: RSASSA-PSS SHA-256 (RSA keys), ECDSA SHA-256 (EC_P256) or SHA-384 (EC_P384), "
                + "DER for ECDSA. Prints the signature (base64), key, version and algorithm, or writes its raw bytes "
                + "to --out (for 'openssl dgst -verify'); -o raw prints the signature alone.")
public final class SignCommand extends BinaryResultCommand {

    @Option(names = "--key", paramLabel = "KEY", required = true, converter = KeyRef.Converter.class,
            order = 1, description = KeyRef.HELP)
    KeyRef key;

    @ArgGroup(exclusive = true, multiplicity = "1")
    SigningInputSource source;

    @Option(names = "--algorithm", paramLabel = "ALG", converter = WireEnumConverter.SigningAlgorithms.class,
            order = 3, description = "RSASSA_PSS_SHA_256, ECDSA_SHA_256 or ECDSA_SHA_384; default: the key's own "
                    + "(each key has one).")
    SigningAlgorithm algorithm;

    @Option(names = "--out", paramLabel = "FILE", order = 30, description = "Write the raw signature bytes here.")
    Path out;

    private SigningInputSource.Input input;

    public SignCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    void readInputs() throws IOException {
        input = source.read(runtime().stdin());
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        SignRequest.Builder request = SignRequest.newBuilder().setKeyId(key.value());
        if (input.isDigest()) {
            request.setDigest(ByteString.copyFrom(input.bytes()));
        } else {
            request.setMessage(ByteString.copyFrom(input.bytes()));
        }
        if (algorithm != null) {
            request.setAlgorithm(algorithm);
        }
        SignResponse response = rpc.crypto().sign(request.build());
        deliver(out, "Signature", response.getSignature(), response, response.toBuilder().clearSignature(),
                keyAndVersion(response.getKeyId(), response.getKeyVersion())
                        .andThen(block -> block.field("Algorithm", response.getAlgorithm().name())));
        return ExitCodes.OK;
    }
}
