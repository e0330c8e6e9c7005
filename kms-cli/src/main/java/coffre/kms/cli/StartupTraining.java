package coffre.kms.cli;

import coffre.kms.client.ClusterChannels;
import coffre.kms.client.TlsChannelFactory;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.GetKeyResponse;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.KeyState;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.ListKeysResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;

/**
 * A training run for the CLI's class-data sharing archive, not a command: {@code deploy/bin/coffre}
 * runs it once with {@code -XX:ArchiveClassesAtExit} and then starts every call with the archive,
 * so the ~5,000 classes a call loads (picocli's model of every command, protobuf, gRPC, Netty, TLS)
 * are mapped ready-parsed and verified instead of read from jars, which is most of a call's start.
 *
 * <p>The archive holds the classes this run loads, so it drives the common commands through the
 * real code path: the whole command line, a gRPC channel with the CLI's service config, the
 * renderings, JSON, usage and call errors. It talks to a throw-away server on a loopback port of
 * its own, over plaintext (no key material exists to make a TLS server with), and takes the client
 * side of TLS as far as its first message, so most TLS classes are in too. Nothing is read from or written to the user's files;
 * the values it sends are fixed dummies.
 */
public final class StartupTraining {

    private static final Key KEY = Key.newBuilder().setId("key-aaaaaaaaaaaaaaaaaaaaaaaaaa").setAlias("training")
            .setState(KeyState.ENABLED).setPrimaryVersion(1).build();
    private static final ByteString DUMMY = ByteString.copyFrom(new byte[32]);

    private StartupTraining() {
    }

    /** Runs the training; prints nothing and exits 0 (a failed step only makes the archive smaller). */
    public static void main(String[] args) throws Exception {
        tls();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Keys()).addService(new Crypto()).build().start();
        Path dir = Files.createTempDirectory("coffre-cds-training");
        try {
            Map<String, String> env = Map.of(
                    "COFFRE_ENDPOINT", "127.0.0.1:" + server.getPort(),
                    "COFFRE_CA_CERT", placeholder(dir, "ca.pem"),
                    "COFFRE_CERT", placeholder(dir, "cert.pem"),
                    "COFFRE_KEY", placeholder(dir, "key.pem"),
                    "COFFRE_TIMEOUT", "5");
            for (List<String> command : List.of(
                    List.of("--help"),
                    List.of("keys", "list", "--help"),
                    List.of("keys", "list"),
                    List.of("keys", "list", "-o", "json"),
                    List.of("keys", "show", "alias/" + KEY.getAlias()),
                    List.of("wrap", "--key", KEY.getId(), "--plaintext-b64", "AAAA", "--context", "a=b"),
                    List.of("wrap", "--key", KEY.getId(), "--plaintext-b64", "AAAA", "-o", "raw"),
                    List.of("unwrap", "--envelope-b64", "AAAA"),
                    List.of("datakey", "--key", KEY.getId()),
                    List.of("approvals", "list"),
                    List.of("keys", "lst"),
                    List.of("wrap", "--keyy", "x"))) {
                run(env, command);
            }
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * The client side of TLS as far as it goes without a peer: a context, Netty's handler, and an
     * engine that writes its ClientHello (key shares included). The trust manager does not matter:
     * no server is ever trusted with it.
     */
    private static void tls() throws IOException {
        new TlsChannelFactory();
        SslContext context = GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        context.newHandler(ByteBufAllocator.DEFAULT);
        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT, "localhost", 8443);
        engine.beginHandshake();
        engine.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
    }

    private static void run(Map<String, String> env, List<String> command) {
        PrintWriter nowhere = new PrintWriter(OutputStream.nullOutputStream());
        CliRuntime runtime = new CliRuntime(settings -> ClusterChannels.builder(settings.endpoints())
                .usePlaintext()
                .build(), env, InputStream.nullInputStream(), PassphrasePrompt.none());
        String[] args = command.toArray(String[]::new);
        CoffreCli.newCommandLine(runtime, nowhere, nowhere, args).execute(args);
    }

    /** The connection settings must name readable files; this channel factory never reads them. */
    private static String placeholder(Path dir, String name) throws IOException {
        return Files.writeString(dir.resolve(name), "training placeholder\n").toString();
    }

    private static final class Keys extends KeyServiceGrpc.KeyServiceImplBase {
        @Override
        public void listKeys(ListKeysRequest request, StreamObserver<ListKeysResponse> observer) {
            observer.onNext(ListKeysResponse.newBuilder().addKeys(KEY).build());
            observer.onCompleted();
        }

        @Override
        public void getKey(GetKeyRequest request, StreamObserver<GetKeyResponse> observer) {
            observer.onNext(GetKeyResponse.newBuilder().setKey(KEY).build());
            observer.onCompleted();
        }
    }

    private static final class Crypto extends CryptoServiceGrpc.CryptoServiceImplBase {
        @Override
        public void wrap(WrapRequest request, StreamObserver<WrapResponse> observer) {
            observer.onNext(WrapResponse.newBuilder().setEnvelope(DUMMY).setKeyId(KEY.getId()).setKeyVersion(1).build());
            observer.onCompleted();
        }

        @Override
        public void unwrap(UnwrapRequest request, StreamObserver<UnwrapResponse> observer) {
            observer.onNext(UnwrapResponse.newBuilder().setPlaintext(DUMMY).setKeyId(KEY.getId()).setKeyVersion(1).build());
            observer.onCompleted();
        }

        @Override
        public void generateDataKey(GenerateDataKeyRequest request, StreamObserver<GenerateDataKeyResponse> observer) {
            observer.onNext(GenerateDataKeyResponse.newBuilder().setPlaintext(DUMMY).setEnvelope(DUMMY)
                    .setKeyId(KEY.getId()).setKeyVersion(1).build());
            observer.onCompleted();
        }
    }
}
