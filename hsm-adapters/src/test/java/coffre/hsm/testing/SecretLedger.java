package coffre.hsm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The secrets that tests hand to Coffre (plaintexts, data keys), written down so that
 * {@link LeakScanner} can look for them, in every usual text form, in everything the suite logged.
 * Only secrets of 16 bytes or more are recorded: shorter ones would match by chance.
 *
 * <p>The ledger lives under the module's {@code target/leak-ledger/} (one file per test JVM); the
 * scanner never searches it. It exists only in test runs.
 */
public final class SecretLedger {
    /** Shorter secrets are not recorded. */
    public static final int MIN_LENGTH = 16;
    private static final Path FILE = Path.of("target", "leak-ledger", "secrets-" + ProcessHandle.current().pid() + ".txt");

    private SecretLedger() {
    }

    /** Records {@code secret}'s text forms (hex, base64, base64url, Java's array form). */
    public static synchronized void record(byte[] secret) {
        if (secret == null || secret.length < MIN_LENGTH) {
            return;
        }
        try {
            Files.createDirectories(FILE.getParent());
            Files.write(FILE, forms(secret), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the secret ledger", e);
        }
    }

    /** Records a text secret such as a PIN. */
    public static void record(String secret) {
        record(secret.getBytes(StandardCharsets.UTF_8));
        if (secret.length() >= 8) {
            synchronized (SecretLedger.class) {
                try {
                    Files.createDirectories(FILE.getParent());
                    Files.writeString(FILE, secret + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the secret ledger", e);
                }
            }
        }
    }

    static List<String> forms(byte[] secret) {
        HexFormat hex = HexFormat.of();
        return List.of(hex.formatHex(secret), hex.withUpperCase().formatHex(secret),
                Base64.getEncoder().withoutPadding().encodeToString(secret),
                Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
                Arrays.toString(secret));
    }
}
