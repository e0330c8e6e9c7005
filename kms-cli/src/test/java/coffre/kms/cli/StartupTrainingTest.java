package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The class-data sharing training run (deploy/bin/coffre runs it once per build) must finish on
 * its own, without a server or the user's files, and leave nothing behind.
 */
class StartupTrainingTest {

    private static List<Path> trainingDirs() throws Exception {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("coffre-cds-training")).toList();
        }
    }

    @Test
    void runsOnItsOwnAndCleansUp() throws Exception {
        List<Path> before = trainingDirs();

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> StartupTraining.main(new String[0]));

        assertEquals(before, trainingDirs(), "the placeholder files are removed");
    }
}
