package coffre.kms.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JVM options {@code deploy/bin/coffre-server} puts before an operator's {@code JAVA_OPTS}
 * ({@code coffre_server_jvm_opts} in {@code deploy/lib/common.sh}): the default heap unless
 * {@code JAVA_OPTS} sizes it, G1's cycle threshold unless {@code JAVA_OPTS} sets it or chooses
 * another collector — and a JVM starts with them.
 */
class LauncherJvmOptionsTest {
    private static final Path COMMON = Path.of("..", "deploy", "lib", "common.sh").toAbsolutePath().normalize();
    private static final List<String> HEAP = List.of("-Xms64m", "-Xmx256m");
    private static final List<String> GC = List.of("-XX:-G1UseAdaptiveIHOP", "-XX:InitiatingHeapOccupancyPercent=70");

    private static List<String> added(String javaOpts) throws IOException, InterruptedException {
        Process shell = new ProcessBuilder("bash", "-c", "source \"$1\" && coffre_server_jvm_opts \"$2\"", "_",
                COMMON.toString(), javaOpts).redirectErrorStream(true).start();
        String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, shell.waitFor(), out);
        return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
    }

    @ParameterizedTest(name = "JAVA_OPTS \"{0}\": heap {1}, G1 threshold {2}")
    @CsvSource(delimiter = '|', value = {
        "''|true|true",
        "-Xmx1g|false|true",
        "-XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError|false|true",
        "-Xms256m -Xmx1g -XX:+ExitOnOutOfMemoryError -XX:+DisableAttachMechanism|false|true",
        "-XX:+UseG1GC|true|true",
        "-XX:+UseZGC|true|false",
        "-XX:+UseParallelGC -Xmx2g|false|false",
        "-Xmx512m -XX:InitiatingHeapOccupancyPercent=45|false|false",
        "-XX:+G1UseAdaptiveIHOP|true|false",
    })
    void theLauncherAddsWhatJavaOptsLeavesOpen(String javaOpts, boolean heap, boolean gc) throws Exception {
        List<String> expected = new ArrayList<>();
        if (heap) {
            expected.addAll(HEAP);
        }
        if (gc) {
            expected.addAll(GC);
        }
        assertEquals(expected, added(javaOpts));
    }

    @Test
    void aJvmStartsWithTheLaunchersDefaults() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(added(""));
        command.add("-version");
        Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, java.waitFor(), "an option the JVM refuses: " + out);
    }
}
