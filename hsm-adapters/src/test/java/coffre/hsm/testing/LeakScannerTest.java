package coffre.hsm.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scanner must be able to fail: a planted secret in any of its text forms is found. */
class LeakScannerTest {
    @TempDir
    Path root;

    private Path log(String relative, String content) throws Exception {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void findsPinsAndEveryFormOfARecordedSecretAndNothingInCleanLogs() throws Exception {
        byte[] secret = new byte[32];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = (byte) (i * 7 + 3);
        }
        log("m/target/softhsm/user.pin", "PinOfTwentyCharsXyz2\n");
        Files.createDirectories(root.resolve("m/target/leak-ledger"));
        Files.write(root.resolve("m/target/leak-ledger/secrets-1.txt"), SecretLedger.forms(secret));
        List<String> forms = SecretLedger.forms(secret);
        for (int i = 0; i < forms.size(); i++) {
            log("m/target/surefire-reports/T" + i + "-output.txt", "line before\nvalue=" + forms.get(i) + "\n");
        }
        log("m/target/failsafe-reports/X.txt", "login with PinOfTwentyCharsXyz2 failed");
        log("m/target/clean.log", "nothing to see");
        log("m/src/not-a-log.txt", forms.get(0));

        LeakScanner.Secrets secrets = LeakScanner.Secrets.collect(root);
        assertEquals(Set.of("PinOfTwentyCharsXyz2"), secrets.pins());
        List<Path> files = LeakScanner.logs(root, List.of());
        List<LeakScanner.Finding> findings = LeakScanner.scan(files, secrets);
        assertEquals(forms.size() + 1, findings.size(), findings.toString());
        assertTrue(findings.stream().anyMatch(f -> f.kind().equals("an HSM PIN")));
        assertTrue(findings.stream().noneMatch(f -> f.file().toString().contains("clean.log")
                || f.file().toString().contains("not-a-log") || f.file().toString().contains("leak-ledger")));
    }
}
