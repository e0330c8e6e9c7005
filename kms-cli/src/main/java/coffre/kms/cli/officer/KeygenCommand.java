package coffre.kms.cli.officer;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.LocalCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.JsonObject;
import coffre.kms.cli.output.LabelledBlock;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.signing.OfficerKeys;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre officer keygen}: a new officer key pair. The private key goes to {@code FILE},
 * encrypted under a passphrase ({@link EncryptedKeyFile}, mode 0600); the public key to
 * {@code FILE.pub} ({@link PublicKeyFile}). Neither file is ever overwritten. Prints the
 * fingerprint, which the officer reads out to whoever registers the key.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Make an officer key pair: FILE holds the private key encrypted under a passphrase (mode 600), "
                + "FILE.pub the public key to hand over. Prints the fingerprint to check out of band. Works offline.")
public final class KeygenCommand extends LocalCommand {

    @Option(names = "--algorithm", paramLabel = "ALG", converter = KeyAlgorithm.Converter.class, defaultValue = "ed25519",
            order = 1, description = "ed25519 (default) or ecdsa-p256.")
    KeyAlgorithm algorithm;

    @Option(names = "--out", paramLabel = "FILE", required = true, order = 2,
            description = "Private key file to create; the public key goes to FILE.pub. Neither may exist.")
    Path out;

    @Option(names = "--passphrase-file", paramLabel = "FILE", order = 3,
            description = "File whose first line is the new passphrase (at least " + Passphrases.MIN_LENGTH
                    + " characters). Otherwise env " + Passphrases.ENV + ", otherwise asked twice on the terminal.")
    Path passphraseFile;

    public KeygenCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int execute() throws IOException {
        Path pub = publicFile(out);
        NewFiles.requireAbsent("--out", out);
        NewFiles.requireAbsent("the public key file", pub);
        char[] passphrase = Passphrases.forNewKey(runtime(), commandLine(), passphraseFile, out);
        KeyPair pair = algorithm.generate();
        String encrypted;
        try {
            encrypted = EncryptedKeyFile.encrypt(pair.getPrivate(), passphrase);
        } finally {
            Arrays.fill(passphrase, '\0');
        }
        OfficerPublicKey publicKey = OfficerPublicKey.newBuilder()
                .setAlgorithm(algorithm.algorithm())
                .setSpkiDer(ByteString.copyFrom(pair.getPublic().getEncoded()))
                .build();
        NewFiles.createPrivate("--out", out, encrypted.getBytes(StandardCharsets.US_ASCII));
        try {
            NewFiles.createPublic("the public key file", pub, PublicKeyFile.render(publicKey).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // A private key without its public half is of no use and would block a retry.
            Files.deleteIfExists(out);
            throw e;
        }
        String fingerprint = OfficerKeys.fingerprint(publicKey);
        if (format() == OutputFormat.JSON) {
            printText(new JsonObject()
                    .string("private_key_file", out.toString())
                    .string("public_key_file", pub.toString())
                    .message("public_key", publicKey)
                    .string("fingerprint", fingerprint)
                    .render() + "\n");
        } else {
            printText(new LabelledBlock(13)
                    .field("Private key", out + " (encrypted with your passphrase, mode 600; keep it offline)")
                    .field("Public key", pub.toString())
                    .field("Algorithm", publicKey.getAlgorithm().name())
                    .field("Fingerprint", fingerprint)
                    .text("Read the fingerprint out to whoever registers your key, by another channel than the file.\n")
                    .render());
        }
        return ExitCodes.OK;
    }

    /** {@code FILE.pub} beside {@code FILE}. */
    static Path publicFile(Path privateFile) {
        return privateFile.resolveSibling(privateFile.getFileName() + PublicKeyFile.SUFFIX);
    }
}
