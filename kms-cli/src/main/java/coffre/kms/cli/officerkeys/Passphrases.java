package coffre.kms.cli.officerkeys;

import coffre.kms.cli.CliRuntime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Where the passphrase of an officer key file comes from, first match wins: {@code --passphrase-file
 * FILE} (its first line), the environment variable {@value #ENV}, or the terminal, asked without echo.
 * Never a flag value: command lines are visible to other local users and kept in shell histories.
 * The passphrase is never printed, not even in an error.
 */
public final class Passphrases {

    /** The environment variable holding the passphrase. */
    public static final String ENV = "COFFRE_OFFICER_PASSPHRASE";
    /** Shortest passphrase accepted for a new key file. */
    public static final int MIN_LENGTH = 12;

    private static final int MAX_FILE_BYTES = 4096;

    private Passphrases() {
    }

    /**
     * The passphrase that opens an existing key file. The caller wipes the result.
     *
     * @throws ParameterException if no source gives one
     * @throws IOException if the passphrase file cannot be read
     */
    public static char[] forExistingKey(CliRuntime runtime, CommandLine commandLine, Path passphraseFile, Path keyFile)
            throws IOException {
        char[] given = fromFileOrEnv(runtime, commandLine, passphraseFile);
        if (given != null) {
            return given;
        }
        char[] typed = runtime.prompt().read("Passphrase of officer key " + keyFile + ": ");
        if (typed == null) {
            throw noSource(commandLine);
        }
        return requireNotEmpty(commandLine, typed);
    }

    /**
     * The passphrase for a new key file, at least {@value #MIN_LENGTH} characters; typed twice when
     * asked on the terminal. The caller wipes the result.
     *
     * @throws ParameterException if no source gives one, it is too short, or the two typed differ
     * @throws IOException if the passphrase file cannot be read
     */
    public static char[] forNewKey(CliRuntime runtime, CommandLine commandLine, Path passphraseFile, Path keyFile)
            throws IOException {
        char[] passphrase = fromFileOrEnv(runtime, commandLine, passphraseFile);
        if (passphrase == null) {
            passphrase = runtime.prompt().read("New passphrase for officer key " + keyFile + ": ");
            if (passphrase == null) {
                throw noSource(commandLine);
            }
            char[] again = runtime.prompt().read("Same passphrase again: ");
            try {
                if (again == null || !Arrays.equals(passphrase, again)) {
                    Arrays.fill(passphrase, '\0');
                    throw new ParameterException(commandLine, "the two passphrases typed differ; nothing was written");
                }
            } finally {
                if (again != null) {
                    Arrays.fill(again, '\0');
                }
            }
        }
        if (passphrase.length < MIN_LENGTH) {
            Arrays.fill(passphrase, '\0');
            throw new ParameterException(commandLine, "the passphrase must be at least " + MIN_LENGTH
                    + " characters long: it is all that protects the officer key if the file is copied");
        }
        return passphrase;
    }

    private static char[] fromFileOrEnv(CliRuntime runtime, CommandLine commandLine, Path passphraseFile) throws IOException {
        if (passphraseFile != null) {
            return requireNotEmpty(commandLine, readFirstLine(commandLine, passphraseFile));
        }
        String env = runtime.env().get(ENV);
        if (env != null) {
            if (env.isEmpty()) {
                throw new ParameterException(commandLine, ENV + " is set but empty");
            }
            return env.toCharArray();
        }
        return null;
    }

    private static char[] readFirstLine(CommandLine commandLine, Path file) throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ParameterException(commandLine, "--passphrase-file " + file + " is larger than "
                        + MAX_FILE_BYTES + " bytes; it should hold the passphrase only");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read --passphrase-file " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("cannot read --passphrase-file " + file + ": " + e.getMessage(), e);
        }
        CharBuffer chars = null;
        try {
            chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            int end = 0;
            while (end < chars.limit() && chars.get(end) != '\n' && chars.get(end) != '\r') {
                end++;
            }
            char[] line = new char[end];
            chars.get(0, line);
            return line;
        } catch (CharacterCodingException e) {
            throw new ParameterException(commandLine, "--passphrase-file " + file + " is not UTF-8 text");
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (chars != null && chars.hasArray()) {
                Arrays.fill(chars.array(), '\0');
            }
        }
    }

    private static char[] requireNotEmpty(CommandLine commandLine, char[] passphrase) {
        if (passphrase.length == 0) {
            throw new ParameterException(commandLine, "the passphrase is empty");
        }
        return passphrase;
    }

    private static ParameterException noSource(CommandLine commandLine) {
        return new ParameterException(commandLine, "no passphrase for the officer key: give --passphrase-file FILE, set "
                + ENV + ", or run coffre in a terminal to be asked");
    }
}
