package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.LabelledBlock;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.GetPublicKeyRequest;
import coffre.kms.v1.GetPublicKeyResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code coffre keys public-key KEY}: a version's public key, PEM (or DER), for encrypting to an
 * RSA key or checking signatures elsewhere (OpenSSL, the JDK). A {@code CryptoService} call: the
 * caller needs GET_PUBLIC_KEY on the key, as a client.
 */
@Command(name = "public-key", mixinStandardHelpOptions = true,
        description = "Print the public key of a version of an asymmetric key (default: the primary) in PEM, with "
                + "its spec, usage and algorithm, or write it to --out (PEM, or DER with --der); -o raw prints the "
                + "PEM alone. Needs GET_PUBLIC_KEY on the key (a CryptoService call, with a client's certificate).")
public final class PublicKeyCommand extends BinaryResultCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    @Option(names = "--version", paramLabel = "N", description = "The key version (default: the primary).")
    int version;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the public key here (PEM unless --der).")
    Path out;

    @Option(names = "--der", description = "With --out: write the DER SubjectPublicKeyInfo instead of PEM.")
    boolean der;

    public PublicKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        GetPublicKeyResponse response = rpc.crypto().getPublicKey(GetPublicKeyRequest.newBuilder()
                .setKeyId(key.value()).setKeyVersion(version).build());
        if (out != null) {
            LocalFiles.write("--out", out, der ? response.getPublicKeyDer().toByteArray()
                    : response.getPublicKeyPem().getBytes(StandardCharsets.US_ASCII));
        }
        switch (format()) {
            case JSON -> printJson(response);
            case RAW -> {
                if (out == null) {
                    printText(response.getPublicKeyPem());
                }
            }
            case TABLE -> {
                String algorithm = response.getSigningAlgorithmValue() != 0
                        ? response.getSigningAlgorithm().name() : response.getEncryptionAlgorithm().name();
                printText(new LabelledBlock(LABEL_WIDTH)
                        .field("Key", response.getKeyId())
                        .field("Version", Integer.toUnsignedString(response.getKeyVersion()))
                        .field("Spec", response.getKeySpec().name())
                        .field("Usage", response.getKeyUsage().name())
                        .field("Algorithm", algorithm)
                        .render()
                        + (out != null ? "Written to " + out + (der ? " (DER)" : " (PEM)") + "\n"
                        : response.getPublicKeyPem()));
            }
        }
        return ExitCodes.OK;
    }
}
