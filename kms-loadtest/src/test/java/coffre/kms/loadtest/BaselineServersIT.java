package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SecretLedger;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.testing.TestPki;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The benchmark's baseline servers as the bench runs them: started from their command lines on the
 * mTLS stack, driven by the load tool over TLS with a client certificate. The HSM-only server works
 * on the SoftHSM2 test token: its envelopes really are AES-GCM under its own key.
 */
class BaselineServersIT {
    @TempDir
    static Path dir;
    static TestPki pki;
    static TestPki.Issued server;
    static TestPki.Issued client;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir.resolve("pki"), "baseline");
        server = pki.server("server");
        client = pki.clientWithUri("client", "spiffe://coffre.dev/service/bench");
    }

    private static String[] serverArgs(String... more) {
        List<String> all = new ArrayList<>(List.of("--port", "0", "--cert", server.certificate().toString(),
                "--key", server.privateKey().toString(), "--client-ca", pki.caFile().toString()));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result loadTest(int port, String... more) {
        List<String> all = new ArrayList<>(List.of("--endpoint", "127.0.0.1:" + port,
                "--ca-cert", pki.caFile().toString(), "--cert", client.certificate().toString(),
                "--key", client.privateKey().toString(), "--warmup", "0s", "--progress-interval", "0s", "--json"));
        all.addAll(List.of(more));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cli = LoadTest.commandLine();
        cli.<LoadTest>getCommand().withOutput(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        cli.setErr(new java.io.PrintWriter(err, true));
        int exit = cli.execute(all.toArray(String[]::new));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static long jsonCount(String json, String field) {
        return Long.parseLong(json.replaceAll("(?s).*\"" + field + "\":(\\d+).*", "$1"));
    }

    private static ChannelPool channel(int port) throws Exception {
        return ChannelPool.tls(LoadTest.endpoints(List.of("127.0.0.1:" + port)), 1, pki.caFile(),
                client.certificate(), client.privateKey(), null);
    }

    @Test
    void theNoopServerAnswersEveryOperationOverMutualTls() throws Exception {
        NoopServer noop = new NoopServer();
        new CommandLine(noop).parseArgs(serverArgs());
        int port = noop.start();
        try {
            Result r = loadTest(port, "--key-id", "key-noop", "--op", "wrap=1,unwrap=1,generate-data-key=1,rewrap=1",
                    "-c", "4", "--calls", "400", "--envelopes", "10");
            assertEquals(0, r.exit(), r.err());
            assertEquals(400, jsonCount(r.out(), "successes"), r.out());
            assertEquals(0, jsonCount(r.out(), "errors"), r.out());
        } finally {
            noop.close();
        }
    }

    /** On worker threads, as the bench runs it, and on the event loop (to measure what the hand-off costs). */
    @ParameterizedTest(name = "on the event loop: {0}")
    @ValueSource(booleans = {false, true})
    void theHsmOnlyServerSealsWithItsOwnKeyAndDestroysItAtClose(boolean onEventLoop) throws Exception {
        SoftHsmTestToken token = SoftHsmTestToken.get();
        HsmOnlyServer hsmOnly = new HsmOnlyServer();
        List<String> args = new ArrayList<>(List.of("--token-label", token.label(), "--pin-file", token.pinFile().toString(),
                "--sessions", "2"));
        if (onEventLoop) {
            args.add("--on-event-loop");
        }
        new CommandLine(hsmOnly).parseArgs(serverArgs(args.toArray(String[]::new)));
        assertEquals(onEventLoop, hsmOnly.onEventLoop);
        int port = hsmOnly.start();
        String label;
        try (ChannelPool channels = channel(port)) {
            label = hsmOnly.keyLabel();
            CryptoServiceGrpc.CryptoServiceBlockingStub stub = CryptoServiceGrpc.newBlockingStub(channels.next());
            ByteString secret = ByteString.copyFrom("thirty-two bytes of a data key!!", StandardCharsets.UTF_8);
            SecretLedger.record(secret.toByteArray());
            Map<String, String> context = Map.of("tenant", "t1", "app", "billing");
            WrapResponse wrapped = stub.wrap(WrapRequest.newBuilder().setKeyId("any").setPlaintext(secret)
                    .putAllEncryptionContext(context).build());
            assertEquals(12 + 32 + 16, wrapped.getEnvelope().size(), "IV, ciphertext, tag");
            assertFalse(wrapped.getEnvelope().toStringUtf8().contains("thirty-two"));
            assertEquals(secret, stub.unwrap(UnwrapRequest.newBuilder().setEnvelope(wrapped.getEnvelope())
                    .putAllEncryptionContext(context).build()).getPlaintext());
            // Another envelope of the same plaintext: a fresh IV each time.
            assertFalse(wrapped.getEnvelope().equals(stub.wrap(WrapRequest.newBuilder().setPlaintext(secret)
                    .putAllEncryptionContext(context).build()).getEnvelope()));

            StatusRuntimeException otherContext = assertThrows(StatusRuntimeException.class, () -> stub.unwrap(
                    UnwrapRequest.newBuilder().setEnvelope(wrapped.getEnvelope()).putEncryptionContext("tenant", "t2")
                            .putEncryptionContext("app", "billing").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, otherContext.getStatus().getCode());
            StatusRuntimeException tooShort = assertThrows(StatusRuntimeException.class, () -> stub.unwrap(
                    UnwrapRequest.newBuilder().setEnvelope(wrapped.getEnvelope().substring(0, 27)).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, tooShort.getStatus().getCode());
            assertTrue(tooShort.getStatus().getDescription().contains("too short"), tooShort.getStatus().toString());
            StatusRuntimeException badLength = assertThrows(StatusRuntimeException.class, () -> stub.generateDataKey(
                    GenerateDataKeyRequest.newBuilder().setLengthBytes(17).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, badLength.getStatus().getCode());

            GenerateDataKeyResponse dataKey = stub.generateDataKey(GenerateDataKeyRequest.newBuilder()
                    .setLengthBytes(64).putAllEncryptionContext(context).build());
            assertEquals(64, dataKey.getPlaintext().size());
            SecretLedger.record(dataKey.getPlaintext().toByteArray());
            ByteString rewrapped = stub.rewrap(RewrapRequest.newBuilder().setEnvelope(dataKey.getEnvelope())
                    .putAllEncryptionContext(context).build()).getEnvelope();
            assertArrayEquals(dataKey.getPlaintext().toByteArray(), stub.unwrap(UnwrapRequest.newBuilder()
                    .setEnvelope(rewrapped).putAllEncryptionContext(context).build()).getPlaintext().toByteArray());

            // The load tool unwraps and rewraps the envelopes it has the server wrap first.
            Result r = loadTest(port, "--key-id", "key-any", "--op", "wrap=1,unwrap=1,generate-data-key=1,rewrap=1",
                    "-c", "4", "--calls", "400", "--envelopes", "10", "--context-size", "100");
            assertEquals(0, r.exit(), r.err());
            assertEquals(400, jsonCount(r.out(), "successes"), r.out());
            assertEquals(0, jsonCount(r.out(), "errors"), r.out());
        } finally {
            hsmOnly.close();
        }
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(token.config(1))) {
            assertFalse(Set.copyOf(hsm.keyLabels()).contains(label), "its key is destroyed at close");
        }
    }

    @Test
    void aDifferentContextGivesADifferentAad() {
        assertArrayEquals(HsmOnlyServer.aad(Map.of("a", "b", "c", "d")), HsmOnlyServer.aad(Map.of("c", "d", "a", "b")));
        assertFalse(Arrays.equals(HsmOnlyServer.aad(Map.of("ab", "")), HsmOnlyServer.aad(Map.of("a", "b"))));
        assertEquals(0, HsmOnlyServer.aad(Map.of()).length);
    }
}
