package coffre.kms.cli.officerkeys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.OfficerId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Who signs, and with which key (a picocli mixin of every command that signs): {@code --officer-id
 * ID} and either a key file ({@code --officer-key FILE [--passphrase-file FILE]}) or a key on a
 * PKCS#11 token ({@link Pkcs11KeyOptions}: {@code --pkcs11-library PATH --pkcs11-token LABEL
 * [--pkcs11-pin-file FILE] --key-label LABEL}); the two are mutually exclusive.
 */
public final class OfficerSigningOptions {

    @Option(names = "--officer-id", paramLabel = "ID", required = true, order = 40, converter = OfficerId.Converter.class,
            description = "Your officer id, as registered.")
    OfficerId officerId;

    @Option(names = "--officer-key", paramLabel = "FILE", order = 41,
            description = "Your encrypted officer key file (from 'coffre officer keygen'). "
                    + "Or, for a key on a token: --pkcs11-library, --pkcs11-token, --key-label.")
    Path keyFile;

    @Option(names = "--passphrase-file", paramLabel = "FILE", order = 42,
            description = "File whose first line is the key file's passphrase. Otherwise env "
                    + Passphrases.ENV + ", otherwise you are asked on the terminal.")
    Path passphraseFile;

    @Mixin
    Pkcs11KeyOptions pkcs11 = new Pkcs11KeyOptions();

    /** The officer id given. */
    public String officerId() {
        return officerId.value();
    }

    /** The key file given. */
    public Path keyFile() {
        return keyFile;
    }

    /**
     * Reads and decrypts the key file, asking for the passphrase if needed; or opens the token and
     * finds the key on it.
     *
     * @throws ParameterException if both or neither key source is given, the file is not a key file,
     *                            the passphrase or PIN is wrong, or the token has no such key (exit 2)
     * @throws IOException if a file cannot be read (exit 1)
     */
    public OfficerSigner load(CliRuntime runtime, CommandLine commandLine) throws IOException {
        List<String> fileOptions = new ArrayList<>();
        if (keyFile != null) {
            fileOptions.add("--officer-key");
        }
        if (passphraseFile != null) {
            fileOptions.add("--passphrase-file");
        }
        if (!fileOptions.isEmpty() && pkcs11.any()) {
            throw new ParameterException(commandLine, String.join(", ", fileOptions) + " and "
                    + String.join(", ", pkcs11.given()) + " are mutually exclusive: sign either with a key file "
                    + "(--officer-key, --passphrase-file) or with a key on a PKCS#11 token (" + Pkcs11KeyOptions.NAMES + ")");
        }
        if (pkcs11.any()) {
            return new OfficerSigner(officerId(), TokenOfficerKeys.load(runtime, commandLine, pkcs11));
        }
        if (keyFile == null) {
            throw new ParameterException(commandLine, "Missing required option: '--officer-key=FILE' "
                    + "(or --pkcs11-library, --pkcs11-token and --key-label for a key on a PKCS#11 token)");
        }
        byte[] file;
        try {
            file = Files.readAllBytes(keyFile);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read --officer-key " + keyFile + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("cannot read --officer-key " + keyFile + ": " + e.getMessage(), e);
        }
        char[] passphrase = Passphrases.forExistingKey(runtime, commandLine, passphraseFile, keyFile);
        try {
            return new OfficerSigner(officerId(), EncryptedKeyFile.decrypt(file, passphrase));
        } catch (KeyFileException e) {
            throw new ParameterException(commandLine, "--officer-key " + keyFile + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(passphrase, '\0');
        }
    }
}
