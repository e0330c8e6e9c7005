package coffre.hsm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Searches everything a test run logged — the Maven log, Surefire and Failsafe reports and
 * outputs, any {@code *.log} under a module's {@code target/} — for the secrets the tests used: the
 * SoftHSM tokens' user PINs and every plaintext or data key in the {@link SecretLedger}. It prints
 * where a secret was found (file and kind, never the secret) and exits 1 if any was.
 *
 * <p>{@code deploy/dev/test.sh} runs it after {@code mvn verify}:
 * {@code java -cp hsm-adapters/target/test-classes coffre.hsm.testing.LeakScanner <repo root> [extra log...]}
 */
public final class LeakScanner {
    private LeakScanner() {
    }

    /** One secret found in one file; {@code kind} says which sort of secret, never which one. */
    public record Finding(Path file, String kind) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: LeakScanner <repository root> [extra file...]");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        List<Path> extra = Stream.of(args).skip(1).map(Path::of).toList();
        Secrets secrets = Secrets.collect(root);
        List<Path> files = logs(root, extra);
        List<Finding> findings = scan(files, secrets);
        System.out.printf("leak scan: %d secret form(s) (%d PIN(s)) searched in %d file(s): %s%n",
                secrets.forms().size(), secrets.pins().size(), files.size(),
                findings.isEmpty() ? "none found" : findings.size() + " FOUND");
        findings.forEach(f -> System.out.println("  " + f.kind() + " in " + root.relativize(f.file())));
        if (secrets.forms().isEmpty() && secrets.pins().isEmpty()) {
            System.out.println("leak scan: nothing to look for: the tests recorded no secret (is the ledger wired?)");
            System.exit(1);
        }
        System.exit(findings.isEmpty() ? 0 : 1);
    }

    /** The PINs of the test tokens and the ledger's secret forms under {@code root}. */
    public record Secrets(Set<String> pins, Set<String> forms) {
        public static Secrets collect(Path root) throws IOException {
            Set<String> pins = new LinkedHashSet<>();
            Set<String> forms = new LinkedHashSet<>();
            try (Stream<Path> paths = Files.walk(root, 6)) {
                for (Path p : paths.filter(Files::isRegularFile).toList()) {
                    String name = p.getFileName().toString();
                    if (name.equals("user.pin") && p.getParent().getFileName().toString().equals("softhsm")) {
                        String pin = Files.readString(p, StandardCharsets.UTF_8).strip();
                        if (!pin.isEmpty()) {
                            pins.add(pin);
                        }
                    } else if (p.getParent().getFileName().toString().equals("leak-ledger")) {
                        Files.readAllLines(p, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).forEach(forms::add);
                    }
                }
            }
            return new Secrets(pins, forms);
        }
    }

    static List<Path> logs(Path root, List<Path> extra) throws IOException {
        List<Path> files = new ArrayList<>(extra);
        try (Stream<Path> paths = Files.walk(root, 6)) {
            paths.filter(Files::isRegularFile).filter(p -> isLog(root, p)).forEach(files::add);
        }
        return files;
    }

    private static boolean isLog(Path root, Path p) {
        String path = root.relativize(p).toString().replace('\\', '/');
        if (!path.contains("target/") || path.contains("/leak-ledger/") || path.contains("/softhsm/")) {
            return false;
        }
        String name = p.getFileName().toString();
        return path.contains("surefire-reports/") || path.contains("failsafe-reports/") || name.endsWith(".log")
                || name.endsWith("-output.txt");
    }

    public static List<Finding> scan(List<Path> files, Secrets secrets) {
        List<Finding> findings = new ArrayList<>();
        for (Path file : files) {
            String text;
            try {
                text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            if (secrets.pins().stream().anyMatch(text::contains)) {
                findings.add(new Finding(file, "an HSM PIN"));
            }
            if (secrets.forms().stream().anyMatch(text::contains)) {
                findings.add(new Finding(file, "a plaintext or data key"));
            }
        }
        return findings;
    }
}
