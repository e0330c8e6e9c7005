package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.AsymmetricDecryptRequest;
import coffre.kms.v1.AsymmetricDecryptResponse;
import coffre.kms.v1.EncryptionAlgorithm;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre decrypt}: RSA-OAEP decryption in the HSM with an asymmetric key. The plaintext is
 * this command's output and goes only where asked, as for unwrap.
 */
@Command(name = "decrypt", mixinStandardHelpOptions = true,
        description = "Decrypt an RSA-OAEP ciphertext (SHA-256, MGF1-SHA-256, as 'openssl pkeyutl -encrypt -pkeyopt "
                + "rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256' makes it) with an "
                + "RSA ENCRYPT_DECRYPT key, in the HSM. Prints the plaintext (base64), key and version, or writes the "
                + "plaintext's raw bytes to --out (created with mode 0600); -o raw prints the plaintext alone.")
public final class DecryptCommand extends BinaryResultCommand {

    @Option(names = "--key", paramLabel = "KEY", required = true, converter = KeyRef.Converter.class,
            order = 1, description = KeyRef.HELP)
    KeyRef key;

    @Option(names = "--version", paramLabel = "N", order = 2,
            description = "The key version the data was encrypted to (default: the primary).")
    int version;

    @ArgGroup(exclusive = true, multiplicity = "1")
    CiphertextSource source;

    @Option(names = "--out", paramLabel = "FILE", order = 30, description = "Write the raw plaintext bytes here.")
    Path out;

    private ByteString ciphertext;

    public DecryptCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    void readInputs() throws IOException {
        ciphertext = consume(BinaryInput.read(source.inline, source.file, runtime().stdin()));
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        AsymmetricDecryptResponse response = rpc.crypto().asymmetricDecrypt(AsymmetricDecryptRequest.newBuilder()
                .setKeyId(key.value())
                .setKeyVersion(version)
                .setCiphertext(ciphertext)
                .setAlgorithm(EncryptionAlgorithm.RSAES_OAEP_SHA_256)
                .build());
        deliver(out, "Plaintext", response.getPlaintext(), response, response.toBuilder().clearPlaintext(),
                keyAndVersion(response.getKeyId(), response.getKeyVersion()));
        return ExitCodes.OK;
    }
}
