package coffre.kms.cli.officerkeys;

import coffre.hsm.HsmException;
import coffre.hsm.pkcs11.TokenSigningKeys;
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
import java.security.PublicKey;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code coffre officer keygen}: a new officer key pair. The private key goes to {@code FILE},
 * encrypted under a passphrase ({@link EncryptedKeyFile}, mode 0600); the public key to
 * {@code FILE.pub} ({@link PublicKeyFile}). Neither file is ever overwritten. With the PKCS#11
 * options ({@link Pkcs11KeyOptions}) the key pair is generated inside the token instead (ECDSA
 * P-256 only), and {@code --out} names the public key file. Prints the fingerprint, which the
 * officer reads out to whoever registers the key.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Make an officer key pair: FILE holds the private key encrypted under a passphrase (mode 600), "
                + "FILE.pub the public key to hand over. With --pkcs11-library, --pkcs11-token, --key-label: the key "
                + "pair is made inside the token (ecdsa-p256; the private key never leaves it) and --out is the public "
                + "key file. Prints the fingerprint to check out of band. Works offline.")
public final class KeygenCommand extends LocalCommand {

    @Option(names = "--algorithm", paramLabel = "ALG", converter = KeyAlgorithm.Converter.class,
            order = 1, description = "ed25519 (default for a key file) or ecdsa-p256 (the only one, and default, on a PKCS#11 token).")
    KeyAlgorithm algorithm;

    @Option(names = "--out", paramLabel = "FILE", required = true, order = 2,
            description = "Private key file to create; the public key goes to FILE.pub. Neither may exist. "
                    + "With --pkcs11-*: the public key file to create.")
    Path out;

    @Mixin
    Pkcs11KeyOptions pkcs11 = new Pkcs11KeyOptions();

    @Option(names = "--passphrase-file", paramLabel = "FILE", order = 3,
            description = "File whose first line is the new passphrase (at least " + Passphrases.MIN_LENGTH
                    + " characters). Otherwise env " + Passphrases.ENV + ", otherwise asked twice on the terminal.")
    Path passphraseFile;

    public KeygenCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int execute() throws IOException {
        if (pkcs11.any()) {
            return onToken();
        }
        if (algorithm == null) {
            algorithm = KeyAlgorithm.ED25519;
        }
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

    /** Keygen inside a PKCS#11 token; {@code --out} is the public key file. */
    private int onToken() throws IOException {
        if (passphraseFile != null) {
            throw new ParameterException(commandLine(), "--passphrase-file and " + String.join(", ", pkcs11.given())
                    + " are mutually exclusive: a key on a PKCS#11 token is protected by the token's PIN "
                    + "(--pkcs11-pin-file or " + Pkcs11KeyOptions.PIN_ENV + "), not by a passphrase");
        }
        if (algorithm == KeyAlgorithm.ED25519) {
            throw new ParameterException(commandLine(), "--algorithm ed25519 is not available on a PKCS#11 token: the JDK's "
                    + "SunPKCS11 provider has no EdDSA; use --algorithm ecdsa-p256 (the default with --pkcs11-library)");
        }
        pkcs11.requireComplete(commandLine());
        NewFiles.requireAbsent("--out", out);
        TokenSigningKeys token = pkcs11.open(runtime(), commandLine());
        String label = pkcs11.keyLabel();
        PublicKey tokenKey;
        try {
            tokenKey = token.generateEcSigningKey(label);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandLine(), "--key-label " + label + ": " + e.getMessage());
        } catch (HsmException e) {
            throw new IOException("PKCS#11 token '" + token.tokenLabel() + "' could not generate the key pair: "
                    + e.getMessage() + e.pkcs11Code().map(c -> " (" + c + ")").orElse(""), e);
        }
        OfficerPublicKey publicKey = TokenOfficerKeys.officerPublicKey(tokenKey);
        try {
            NewFiles.createPublic("--out", out, PublicKeyFile.render(publicKey).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; the key pair '" + label + "' was made on token '"
                    + token.tokenLabel() + "' anyway: delete it with the token's tools, or run keygen again with another --key-label", e);
        }
        String fingerprint = OfficerKeys.fingerprint(publicKey);
        if (format() == OutputFormat.JSON) {
            printText(new JsonObject()
                    .string("pkcs11_token", token.tokenLabel())
                    .string("key_label", label)
                    .string("public_key_file", out.toString())
                    .message("public_key", publicKey)
                    .string("fingerprint", fingerprint)
                    .render() + "\n");
        } else {
            printText(new LabelledBlock(13)
                    .field("Private key", "on PKCS#11 token '" + token.tokenLabel() + "' as '" + label
                            + "' (sensitive, never extractable)")
                    .field("Public key", out.toString())
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
