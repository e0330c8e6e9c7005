package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the dev scripts tell a newcomer: {@code deploy/dev/start.sh} prints the README's quick start
 * (one walk-through, not two that drift apart), and Maven's output reaches their logs without
 * ANSI escape codes.
 */
class DevScriptsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String MARKER = "<!-- quick-start:";

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run bash(String script, List<String> args, String path) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", script, "_"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        if (path != null) {
            builder.environment().put("PATH", path + ":" + System.getenv("PATH"));
        }
        Process process = builder.start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        return new Run(exit, out, new String(err.join(), StandardCharsets.UTF_8));
    }

    /** The lines of the README's marked quick-start block, without its fences. */
    private static List<String> readmeQuickStart() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        int marker = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(MARKER)) {
                marker = i;
            }
        }
        assertTrue(marker >= 0, "README.md has no '" + MARKER + "' line");
        assertTrue(lines.get(marker + 1).startsWith("```"), "the marker is followed by the block");
        int end = marker + 2;
        while (!lines.get(end).startsWith("```")) {
            end++;
        }
        return lines.subList(marker + 2, end);
    }

    @Test
    void startShPrintsTheReadmeQuickStartAsItIs() throws Exception {
        List<String> block = readmeQuickStart();
        assertTrue(block.size() > 10, block::toString);

        Run run = bash("source \"$1\" && print_instructions 18443", List.of(ROOT.resolve("deploy/dev/start.sh").toString()),
                null);

        assertEquals(0, run.exit(), run::toString);
        StringBuilder expected = new StringBuilder();
        for (String line : block) {
            expected.append(line.isEmpty() ? "" : "   " + line).append('\n');
        }
        assertTrue(run.out().contains(expected), "start.sh's instructions hold the README block:\n" + run.out());
    }

    @Test
    void mavenColourCodesNeverReachTheLogsAndItsStatusIsKept() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fakeMaven = bin.resolve("mvn");
        // What Debian's Maven 3.8.7 does under -B -q: resets on both streams.
        Files.writeString(fakeMaven, """
                #!/bin/sh
                printf '\\033[0m\\033[0m[INFO] built\\033[0m\\n'
                printf '\\033[1;31m[ERROR] broken\\033[m\\n' >&2
                exit 3
                """);
        Files.setPosixFilePermissions(fakeMaven, PosixFilePermissions.fromString("rwxr-xr-x"));

        Run run = bash("source \"$1\" && coffre_mvn -q package", List.of(ROOT.resolve("deploy/lib/common.sh").toString()),
                bin.toString());

        assertEquals(3, run.exit(), run::toString);
        assertEquals("[INFO] built\n", run.out());
        assertEquals("[ERROR] broken\n", run.err());
        assertFalse((run.out() + run.err()).contains("\u001b"), run::toString);
    }
}
