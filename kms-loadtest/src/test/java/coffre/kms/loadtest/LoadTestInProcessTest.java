package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The whole command against a fake CryptoService on an in-process channel. */
class LoadTestInProcessTest {
    private Server server;
    private ManagedChannel channel;
    private final FakeCrypto fake = new FakeCrypto();

    /** Wraps by prefixing the key id; refuses generate-data-key on "key-disabled" with an ErrorInfo. */
    static final class FakeCrypto extends CryptoServiceGrpc.CryptoServiceImplBase {
        final AtomicInteger wraps = new AtomicInteger();
        final AtomicInteger unwraps = new AtomicInteger();
        final Set<String> keysSeen = ConcurrentHashMap.newKeySet();
        final Set<String> contextKeys = ConcurrentHashMap.newKeySet();

        @Override
        public void wrap(WrapRequest request, StreamObserver<WrapResponse> response) {
            wraps.incrementAndGet();
            keysSeen.add(request.getKeyId());
            contextKeys.addAll(request.getEncryptionContextMap().keySet());
            response.onNext(WrapResponse.newBuilder().setKeyId(request.getKeyId())
                    .setEnvelope(ByteString.copyFromUtf8(request.getKeyId() + "|").concat(request.getPlaintext())).build());
            response.onCompleted();
        }

        @Override
        public void unwrap(UnwrapRequest request, StreamObserver<UnwrapResponse> response) {
            String envelope = request.getEnvelope().toStringUtf8();
            if (!envelope.startsWith("key-")) {
                response.onError(io.grpc.Status.INVALID_ARGUMENT.asRuntimeException());
                return;
            }
            unwraps.incrementAndGet();
            response.onNext(UnwrapResponse.newBuilder().setPlaintext(request.getEnvelope()).build());
            response.onCompleted();
        }

        @Override
        public void generateDataKey(GenerateDataKeyRequest request, StreamObserver<GenerateDataKeyResponse> response) {
            if (request.getKeyId().equals("key-disabled")) {
                response.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                        .setCode(io.grpc.Status.Code.FAILED_PRECONDITION.value()).setMessage("disabled")
                        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("KEY_DISABLED")
                                .setDomain("kms.coffre.fr").build())).build()));
                return;
            }
            response.onNext(GenerateDataKeyResponse.newBuilder().setKeyId(request.getKeyId()).build());
            response.onCompleted();
        }

        /** One RSA-2048 pair for every key; decryptions check what the load tool encrypted to it. */
        final java.security.KeyPair rsa = rsaPair();
        final AtomicInteger publicKeyReads = new AtomicInteger();
        final AtomicInteger decrypts = new AtomicInteger();
        final AtomicInteger signs = new AtomicInteger();
        final Set<Integer> plaintextLengths = ConcurrentHashMap.newKeySet();

        private static java.security.KeyPair rsaPair() {
            try {
                java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                return generator.generateKeyPair();
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void getPublicKey(coffre.kms.v1.GetPublicKeyRequest request,
                                 StreamObserver<coffre.kms.v1.GetPublicKeyResponse> response) {
            publicKeyReads.incrementAndGet();
            response.onNext(coffre.kms.v1.GetPublicKeyResponse.newBuilder().setKeyId(request.getKeyId()).setKeyVersion(3)
                    .setPublicKeyDer(ByteString.copyFrom(rsa.getPublic().getEncoded())).build());
            response.onCompleted();
        }

        @Override
        public void asymmetricDecrypt(coffre.kms.v1.AsymmetricDecryptRequest request,
                                      StreamObserver<coffre.kms.v1.AsymmetricDecryptResponse> response) {
            try {
                javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("RSA/ECB/OAEPPadding");
                cipher.init(javax.crypto.Cipher.DECRYPT_MODE, rsa.getPrivate(), new javax.crypto.spec.OAEPParameterSpec(
                        "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256,
                        javax.crypto.spec.PSource.PSpecified.DEFAULT));
                plaintextLengths.add(cipher.doFinal(request.getCiphertext().toByteArray()).length);
            } catch (java.security.GeneralSecurityException e) {
                response.onError(io.grpc.Status.INVALID_ARGUMENT.asRuntimeException());
                return;
            }
            if (request.getKeyVersion() != 3) {
                response.onError(io.grpc.Status.NOT_FOUND.asRuntimeException());
                return;
            }
            decrypts.incrementAndGet();
            response.onNext(coffre.kms.v1.AsymmetricDecryptResponse.newBuilder().setKeyId(request.getKeyId()).build());
            response.onCompleted();
        }

        @Override
        public void sign(coffre.kms.v1.SignRequest request, StreamObserver<coffre.kms.v1.SignResponse> response) {
            signs.incrementAndGet();
            keysSeen.add(request.getKeyId());
            response.onNext(coffre.kms.v1.SignResponse.newBuilder().setKeyId(request.getKeyId()).build());
            response.onCompleted();
        }
    }

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(fake).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private record Result(int exit, String out, String err) {
    }

    private Result run(String... args) throws Exception {
        LoadTest command = new LoadTest();
        new CommandLine(command).parseArgs(args);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = command.withOutput(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(new ChannelPool(List.of(channel)), "in-process");
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static final String[] TLS = {"--ca-cert", "unused", "--cert", "unused", "--key", "unused"};

    private static String[] args(String... more) {
        String[] all = new String[TLS.length + more.length];
        System.arraycopy(TLS, 0, all, 0, TLS.length);
        System.arraycopy(more, 0, all, TLS.length, more.length);
        return all;
    }

    @Test
    void closedLoopMixWithEnvelopePoolAndErrorsByReason() throws Exception {
        Result r = run(args("--key-id", "key-a", "--key-id", "key-disabled", "--op", "wrap=2,unwrap=1,datakey=1",
                "-c", "8", "--calls", "2000", "--warmup", "0s", "--envelopes", "10", "--context-size", "200",
                "--progress-interval", "0s", "--json", "--label", "mix"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("preparing 10 envelopes"), r.err());
        String json = r.out().strip();
        assertTrue(json.startsWith("{\"settings\":{\"label\":\"mix\",\"protocol\":\"grpc\",\"target\":\"in-process\","
                + "\"channels\":1,"
                + "\"mix\":\"wrap=2,unwrap=1,generate-data-key=1\",\"mode\":\"closed-loop\",\"concurrency\":8,"
                + "\"limit\":\"2000 calls\",\"keys\":2,"), json);
        assertTrue(json.contains("\"generate-data-key:FAILED_PRECONDITION/KEY_DISABLED\":"), json);
        assertTrue(json.contains("\"latencyMsByOperation\":{\"wrap\":"), json);
        assertTrue(json.contains("\"unwrap\":{\"count\":"), json);
        assertEquals(Set.of("key-a", "key-disabled"), fake.keysSeen);
        assertEquals(Set.of("c0", "c1", "c2", "c3"), fake.contextKeys, "about 200 bytes: four pairs");
        long successes = Long.parseLong(json.replaceAll(".*\"successes\":(\\d+).*", "$1"));
        long errors = Long.parseLong(json.replaceAll(".*\"errors\":(\\d+).*", "$1"));
        assertEquals(2000, successes + errors);
        assertTrue(errors > 150 && errors < 350, "about half of the quarter that are data keys: " + errors);
    }

    @Test
    void openLoopTextReportWithProgress() throws Exception {
        Result r = run(args("--key-id", "key-a", "--rate", "2000", "--duration", "1500ms", "--warmup", "200ms",
                "--progress-interval", "500ms"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("mode:          open-loop"), r.out());
        assertTrue(r.out().contains("throughput:"), r.out());
        assertTrue(r.err().contains("calls/s") && r.err().contains("p99 so far"), r.err());
        long ok = Long.parseLong(r.out().replaceAll("(?s).*\\(([0-9,]+) ok.*", "$1").replace(",", ""));
        assertEquals(3000, ok, 30, "1.5 s at 2000/s");
    }

    /** A soak check compares the server's audit log with every call it acknowledged, warm-up included. */
    @Test
    void theReportCountsEveryAcknowledgedCallSetupAndWarmUpIncluded() throws Exception {
        Result r = run(args("--key-id", "key-a", "--op", "wrap=1,unwrap=1", "-c", "4", "--calls", "300",
                "--warmup", "300ms", "--envelopes", "25", "--progress-interval", "0s", "--json"));
        assertEquals(0, r.exit(), r.err());
        String json = r.out().strip();
        long acknowledged = Long.parseLong(json.replaceAll(".*\"acknowledged\":(\\d+).*", "$1"));
        long setup = Long.parseLong(json.replaceAll(".*\"setupSuccesses\":(\\d+).*", "$1"));
        long warm = Long.parseLong(json.replaceAll(".*\"warmupSuccesses\":(\\d+).*", "$1"));
        assertEquals(25, setup);
        assertTrue(warm > 0, json);
        assertEquals(fake.wraps.get() + fake.unwraps.get(), acknowledged, json);
        assertEquals(300 + 25 + warm, acknowledged, json);
    }

    @Test
    void asymmetricDecryptDecryptsWhatItEncryptedToEachKeysPublicKeyAndSignSigns() throws Exception {
        Result r = run(args("--key-id", "key-a", "--key-id", "key-b", "--op", "asymmetric-decrypt=1,sign=1", "-c", "4",
                "--calls", "200", "--warmup", "0s", "--envelopes", "6", "--payload-size", "32",
                "--progress-interval", "0s", "--json"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("preparing 6 RSA-OAEP ciphertexts for asymmetric-decrypt"), r.err());
        assertEquals(2, fake.publicKeyReads.get(), "one GetPublicKey per key");
        String json = r.out().strip();
        assertTrue(json.contains("\"errors\":0"), json);
        assertEquals(200, fake.decrypts.get() + fake.signs.get());
        assertTrue(fake.decrypts.get() > 50 && fake.signs.get() > 50, json);
        assertEquals(Set.of(32), fake.plaintextLengths, "the payload, as encrypted by the load tool");
        assertTrue(json.contains("\"asymmetric-decrypt\":{\"count\":"), json);
    }
}
