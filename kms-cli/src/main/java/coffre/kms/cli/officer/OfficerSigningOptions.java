package coffre.kms.cli.officer;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.args.OfficerId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code --officer-id ID --officer-key FILE [--passphrase-file FILE]}: who signs, and with which
 * key file (a picocli mixin of every command that signs).
 */
public final class OfficerSigningOptions {

    @Option(names = "--officer-id", paramLabel = "ID", required = true, order = 40, converter = OfficerId.Converter.class,
            description = "Your officer id, as registered.")
    OfficerId officerId;

    @Option(names = "--officer-key", paramLabel = "FILE", required = true, order = 41,
            description = "Your encrypted officer key file (from 'coffre officer keygen').")
    Path keyFile;

    @Option(names = "--passphrase-file", paramLabel = "FILE", order = 42,
            description = "File whose first line is the key file's passphrase. Otherwise env "
                    + Passphrases.ENV + ", otherwise you are asked on the terminal.")
    Path passphraseFile;

    /** The officer id given. */
    public String officerId() {
        return officerId.value();
    }

    /** The key file given. */
    public Path keyFile() {
        return keyFile;
    }

    /**
     * Reads and decrypts the key file, asking for the passphrase if needed.
     *
     * @throws ParameterException if the file is not a key file or the passphrase is wrong (exit 2)
     * @throws IOException if a file cannot be read (exit 1)
     */
    public OfficerSigner load(CliRuntime runtime, CommandLine commandLine) throws IOException {
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
