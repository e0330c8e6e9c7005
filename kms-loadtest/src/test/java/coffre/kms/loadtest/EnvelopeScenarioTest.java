package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --envelope-cache}: its parsing (bad values are usage errors naming the expected form) and
 * the whole scenario against a fake CryptoService in-process, where the KMS calls each phase made
 * can be counted on the server side too.
 */
class EnvelopeScenarioTest {

    /** Hands out random 32-byte data keys and counts them. */
    static final class FakeDataKeys extends CryptoServiceGrpc.CryptoServiceImplBase {
        final AtomicInteger generated = new AtomicInteger();
        private final SecureRandom random = new SecureRandom();

        @Override
        public void generateDataKey(GenerateDataKeyRequest request, StreamObserver<GenerateDataKeyResponse> response) {
            generated.incrementAndGet();
            byte[] key = new byte[request.getLengthBytes()];
            random.nextBytes(key);
            response.onNext(GenerateDataKeyResponse.newBuilder().setKeyId(request.getKeyId()).setKeyVersion(1)
                    .setPlaintext(ByteString.copyFrom(key))
                    .setEnvelope(ByteString.copyFromUtf8("wrapped-" + generated.get())).build());
            response.onCompleted();
        }
    }

    @Test
    void theOptionReadsAnAgeAndAMessageCount() {
        assertEquals(new EnvelopeCacheOption(Duration.ofMinutes(5), 1000), EnvelopeCacheOption.parse("5m,1000"));
        assertEquals(new EnvelopeCacheOption(Duration.ofMillis(1500), 1), EnvelopeCacheOption.parse(" 1.5s , 1 "));
        assertEquals(new EnvelopeCacheOption(Duration.ofSeconds(30), 7), EnvelopeCacheOption.parse("PT30S,7"));
    }

    @Test
    void badValuesNameTheExpectedForm() {
        for (String bad : List.of("5m", "5m,", ",10", "5m,10,3", "soon,10", "5m,many", "0s,10", "5m,0", "5m,-1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> EnvelopeCacheOption.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("--envelope-cache"), e.getMessage());
        }
        CommandLine cli = LoadTest.commandLine();
        cli.setErr(new java.io.PrintWriter(new java.io.StringWriter(), true));
        assertEquals(2, cli.execute("--key-id", "k", "--envelope-cache", "5m"), "a usage error");
    }

    @Test
    void theScenarioSealsRecordsWithAndWithoutTheCacheAndCountsTheCalls() throws Exception {
        FakeDataKeys fake = new FakeDataKeys();
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor().addService(fake).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            LoadTest command = new LoadTest();
            new CommandLine(command).parseArgs("--ca-cert", "unused", "--cert", "unused", "--key", "unused",
                    "--key-id", "key-a", "--op", "datakey", "-c", "4", "--calls", "400", "--warmup", "0s",
                    "--progress-interval", "0s", "--json", "--envelope-cache", "5m,100");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = command.withOutput(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8)).run(new ChannelPool(List.of(channel)), "in-process");

            String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
            assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
            assertEquals(2, lines.length, "the usual report, then the scenario's");
            assertTrue(lines[0].startsWith("{\"settings\":"), lines[0]);
            Matcher phases = Pattern.compile("\"name\":\"([^\"]+)\",\"records\":(\\d+),\"seconds\":[\\d.]+,"
                    + "\"recordsPerSecond\":[\\d.]+,\"kmsCalls\":(\\d+),\"errors\":(\\d+)").matcher(lines[1]);
            assertTrue(phases.find(), lines[1]);
            assertEquals("no cache", phases.group(1));
            assertEquals("400", phases.group(2));
            assertEquals("400", phases.group(3), "one data key per record");
            assertEquals("0", phases.group(4));
            assertTrue(phases.find(), lines[1]);
            assertEquals("cache 300.0 s,100", phases.group(1));
            assertEquals("400", phases.group(2));
            long cachedCalls = Long.parseLong(phases.group(3));
            // Four contexts, one per thread; 100 records per data key: a few calls per context.
            assertTrue(cachedCalls >= 4 && cachedCalls <= 4 * 4, "calls with the cache: " + cachedCalls);
            assertEquals(400 + 400 + cachedCalls, fake.generated.get(), "the usual run's, then both phases'");
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }
}
