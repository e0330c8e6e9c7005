package coffre.kms.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/bin/coffre} on the packaged jar (hence an IT: it runs after {@code package}): the
 * first call makes the class-data sharing archive in the cache directory, later calls map it and
 * do not make it again, a rebuilt jar makes it again, and none of this shows in the output.
 */
class CliLauncherIT {
    private static final Path LAUNCHER = Path.of("..", "deploy", "bin", "coffre").toAbsolutePath().normalize();

    @TempDir
    Path cache;

    private record Run(int exit, String out, String err) {
    }

    private Run coffre(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("COFFRE_CACHE_DIR", cache.toString());
        builder.environment().remove("JAVA_OPTS");
        builder.environment().putAll(env);
        Path out = Files.createTempFile(cache, "out", ".txt");
        Path err = Files.createTempFile(cache, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int exit = process.waitFor();
        Run run = new Run(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return run;
    }

    private List<Path> archives() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jsa")).toList();
        }
    }

    @Test
    void theFirstCallMakesTheArchiveAndLaterCallsMapIt() throws Exception {
        Run first = coffre(Map.of(), "--version");
        assertEquals(0, first.exit(), first::toString);
        assertTrue(first.out().startsWith("coffre "), first::toString);
        assertEquals("", first.err(), "no CDS or JVM message reaches the user");
        List<Path> archives = archives();
        assertEquals(1, archives.size(), archives::toString);
        FileTime made = Files.getLastModifiedTime(archives.get(0));

        Run later = coffre(Map.of("JAVA_OPTS", "-Xlog:class+load=info"), "--version");
        assertEquals(0, later.exit(), later::toString);
        // --version loads a few hundred classes: picocli's own (Java 5 class files, which CDS cannot
        // archive once linked) from the jar, the rest from the archive.
        assertTrue(later.out().contains("coffre.kms.cli.CoffreCli source: shared objects file (top)"), later::toString);
        long shared = later.out().lines().filter(l -> l.contains("source: shared objects file (top)")).count();
        assertTrue(shared > 200, "classes mapped from the CLI's archive: " + shared);
        assertEquals(made, Files.getLastModifiedTime(archives.get(0)), "the archive is made once");

        // A rebuild (a jar newer than the archive) must not leave a stale archive in use.
        Files.setLastModifiedTime(archives.get(0), FileTime.fromMillis(0));
        Run rebuilt = coffre(Map.of(), "--version");
        assertEquals(0, rebuilt.exit(), rebuilt::toString);
        assertTrue(Files.getLastModifiedTime(archives.get(0)).toMillis() > 0, "made again");
    }

    @Test
    void aCacheDirectoryOthersCanWriteIsNotUsed() throws Exception {
        // Another user could plant an archive there, i.e. code the JVM would map.
        Files.setPosixFilePermissions(cache, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));

        Run run = coffre(Map.of(), "--version");

        assertEquals(0, run.exit(), run::toString);
        assertEquals("", run.err(), run::toString);
        assertEquals(List.of(), archives());
    }

    @Test
    void cdsCanBeTurnedOff() throws Exception {
        Run run = coffre(Map.of("COFFRE_CLI_CDS", "0"), "--version");

        assertEquals(0, run.exit(), run::toString);
        assertEquals(List.of(), archives());
    }
}
