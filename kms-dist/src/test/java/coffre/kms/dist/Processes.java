package coffre.kms.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command to completion for the packaging checks, its stdout and stderr together in a
 * temporary file (so a chatty command never blocks on a full pipe), bounded in time: a command
 * that hangs is killed and reported, never waited for forever.
 */
final class Processes {
    private Processes() {
    }

    record Result(int exit, String output) {
    }

    static Result run(List<String> command, Map<String, String> env, Duration limit) throws IOException, InterruptedException {
        Path out = Files.createTempFile("coffre-dist-", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("timed out after " + limit + ": " + command + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
