package coffre.kms.client.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Constant memory: a 2 GiB stream is encrypted and decrypted on the fly by {@link StreamThroughMain}
 * in a JVM of its own whose heap is 64 MiB, and comes out whole. (The size can be lowered with
 * {@code -Dcoffre.envelope.bigStream=BYTES} for a quick run; the default is the 2 GiB.)
 */
class BoundedHeapEnvelopeTest {
    private static final long TWO_GIB = 2L << 30;

    @Test
    void twoGibibytesGoThroughA64MibHeap() throws Exception {
        long bytes = Long.getLong("coffre.envelope.bigStream", TWO_GIB);
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        Process child = new ProcessBuilder(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                StreamThroughMain.class.getName(), Long.toString(bytes)))
                .redirectErrorStream(true)
                .start();
        // A bound on waiting, so a hung child fails the test instead of the build; not a speed check.
        boolean ended = child.waitFor(10, TimeUnit.MINUTES);
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            child.destroyForcibly();
        }

        assertTrue(ended, "the child did not end: " + output);
        assertEquals(0, child.exitValue(), output);
        Matcher m = Pattern.compile("bytes=(\\d+) in=(\\w+) out=(\\w+) maxHeap=(\\d+)").matcher(output);
        assertTrue(m.find(), output);
        assertEquals(bytes, Long.parseLong(m.group(1)), output);
        assertEquals(m.group(2), m.group(3), "what came out differs from what went in: " + output);
        assertTrue(Long.parseLong(m.group(4)) <= 64L << 20, "the child's heap was not bounded: " + output);
        System.out.println("BoundedHeapEnvelopeTest: " + output.strip());
    }
}
