package coffre.kms.cli.officerkeys;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.pkcs11.PinSource;
import coffre.hsm.pkcs11.TokenSigningKeys;
import coffre.hsm.pkcs11.TokenSelector;
import coffre.kms.cli.CliRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code --pkcs11-library PATH --pkcs11-token LABEL [--pkcs11-pin-file FILE] --key-label LABEL}: an
 * officer key held on a PKCS#11 token or smartcard instead of in a key file (a picocli mixin of
 * {@code officer keygen} and of {@link OfficerSigningOptions}). The PIN comes from
 * {@code --pkcs11-pin-file} or the environment variable {@value #PIN_ENV}; it is never a flag value
 * and never printed.
 */
public final class Pkcs11KeyOptions {

    /** The environment variable holding the token's user PIN. */
    public static final String PIN_ENV = "COFFRE_OFFICER_PIN";

    /** How the options are named in messages. */
    static final String NAMES = "--pkcs11-library, --pkcs11-token, --pkcs11-pin-file, --key-label";

    @Option(names = "--pkcs11-library", paramLabel = "PATH", order = 50,
            description = "PKCS#11 module of the token or smartcard holding the officer key "
                    + "(e.g. /usr/lib/softhsm/libsofthsm2.so, /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so).")
    Path library;

    @Option(names = "--pkcs11-token", paramLabel = "LABEL", order = 51, description = "Label of the token.")
    String token;

    @Option(names = "--pkcs11-pin-file", paramLabel = "FILE", order = 52,
            description = "File holding the token's user PIN (one trailing newline ignored). Otherwise env " + PIN_ENV + ".")
    Path pinFile;

    @Option(names = "--key-label", paramLabel = "LABEL", order = 53,
            description = "Label of the officer key on the token (1-64 of A-Z a-z 0-9 . _ -).")
    String keyLabel;

    /** Whether any of these options was given. */
    public boolean any() {
        return !given().isEmpty();
    }

    /** The options given, by name. */
    List<String> given() {
        List<String> names = new ArrayList<>();
        if (library != null) {
            names.add("--pkcs11-library");
        }
        if (token != null) {
            names.add("--pkcs11-token");
        }
        if (pinFile != null) {
            names.add("--pkcs11-pin-file");
        }
        if (keyLabel != null) {
            names.add("--key-label");
        }
        return names;
    }

    public String keyLabel() {
        return keyLabel;
    }

    public String token() {
        return token;
    }

    /**
     * Checks that the library, token and key label are all given and well formed.
     *
     * @throws ParameterException naming what is missing or malformed
     */
    void requireComplete(CommandLine commandLine) {
        List<String> missing = new ArrayList<>();
        if (library == null) {
            missing.add("--pkcs11-library=PATH");
        }
        if (token == null) {
            missing.add("--pkcs11-token=LABEL");
        }
        if (keyLabel == null) {
            missing.add("--key-label=LABEL");
        }
        if (!missing.isEmpty()) {
            throw new ParameterException(commandLine, "an officer key on a PKCS#11 token needs --pkcs11-library, "
                    + "--pkcs11-token and --key-label; missing: " + String.join(", ", missing));
        }
        try {
            TokenSelector.label(token);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandLine, "Invalid value for option '--pkcs11-token': '" + token
                    + "' is not a token label (1-32 bytes, no leading or trailing blanks)");
        }
        if (!TokenSigningKeys.KEY_LABEL.matcher(keyLabel).matches()) {
            throw new ParameterException(commandLine, "Invalid value for option '--key-label': '" + keyLabel
                    + "' is not a key label (1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit)");
        }
    }

    /**
     * Loads the library, selects the token and logs in with the PIN.
     *
     * @throws ParameterException for a missing library or PIN, an unknown token, or a PIN the token refuses (exit 2)
     * @throws IOException if the PIN file cannot be read, or the JVM cannot use PKCS#11 (exit 1)
     */
    TokenSigningKeys open(CliRuntime runtime, CommandLine commandLine) throws IOException {
        requireComplete(commandLine);
        if (!Files.isRegularFile(library)) {
            throw new ParameterException(commandLine, "--pkcs11-library " + library + ": no such file");
        }
        PinSource pin;
        String pinFrom;
        if (pinFile != null) {
            if (!Files.isReadable(pinFile)) {
                throw new IOException("cannot read --pkcs11-pin-file " + pinFile + ": "
                        + (Files.exists(pinFile) ? "not readable" : "no such file"));
            }
            pin = PinSource.fromFile(pinFile);
            pinFrom = "--pkcs11-pin-file " + pinFile;
        } else {
            String env = runtime.env().get(PIN_ENV);
            if (env == null || env.isEmpty()) {
                throw new ParameterException(commandLine, "no PIN for PKCS#11 token '" + token
                        + "': give --pkcs11-pin-file FILE or set " + PIN_ENV);
            }
            pin = PinSource.Env.of(PIN_ENV, runtime.env());
            pinFrom = PIN_ENV;
        }
        try {
            return TokenSigningKeys.open(library, TokenSelector.label(token), pin);
        } catch (HsmException e) {
            String code = e.pkcs11Code().map(c -> " (" + c + ")").orElse("");
            if (e.kind() == HsmErrorKind.LOGIN_FAILED) {
                throw new ParameterException(commandLine, "PKCS#11 token '" + token + "' refused the PIN from "
                        + pinFrom + code + "; nothing was signed or created");
            }
            throw new ParameterException(commandLine, "cannot use PKCS#11 token '" + token + "' through "
                    + library + ": " + e.getMessage().replace("hsm.token.label: ", "") + code);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandLine, "--pkcs11-library " + library + ": " + e.getMessage());
        } catch (IllegalStateException e) {
            // An unreadable or empty PIN file, or a JVM started without the PKCS#11 flags; never the PIN itself.
            throw new IOException(e.getMessage(), e);
        }
    }
}
