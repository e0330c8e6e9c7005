package coffre.kms.server.testing;

import coffre.hsm.Hsm;
import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.CoffreServer;
import coffre.kms.server.config.AuthorizationSettings;
import coffre.kms.server.config.HsmSettings;
import coffre.kms.server.config.KeysSettings;
import coffre.kms.server.config.NodeSettings;
import coffre.kms.server.config.ServerConfig;
import coffre.kms.server.config.ServerSettings;
import coffre.kms.server.config.StoreSettings;
import coffre.kms.server.config.TlsSettings;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Coffre node for integration tests: real SoftHSM token, real embedded store file, real
 * mTLS on an ephemeral 127.0.0.1 port, with test certificates minted at run time. The clock can
 * be moved forward to reach the end of deletion waiting periods.
 */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN = "spiffe://coffre.test/admin";
    public static final String SERVICE = "spiffe://coffre.test/service/billing";
    public static final int SESSIONS = 4;

    private final Path dir;
    private final TestPki pki;
    private final TestPki.Issued serverCert;
    private final MutableClock clock = new MutableClock(Instant.now());
    private final List<ManagedChannel> channels = new ArrayList<>();
    private CoffreServer server;

    private TestServer(Path dir) {
        this.dir = dir;
        this.pki = TestPki.create(dir.resolve("pki"), "coffre");
        this.serverCert = pki.server("server");
        start();
    }

    public static TestServer start(Path dir) {
        return new TestServer(dir);
    }

    private void start() {
        ServerConfig config = new ServerConfig(
                new NodeSettings("test-1"),
                new ServerSettings("127.0.0.1", 0, 65536),
                new TlsSettings(serverCert.certificate(), serverCert.privateKey(), pki.caFile()),
                new HsmSettings("softhsm2", null, SoftHsmTestToken.get().label(), null, null, null,
                        SoftHsmTestToken.get().pinFile(), SESSIONS, null),
                new StoreSettings(StoreSettings.Type.H2, dir.resolve("data/coffre")),
                new AuthorizationSettings(List.of(ADMIN), List.of("spiffe://coffre.test/service/*")),
                new KeysSettings(Duration.ofHours(1)));
        Hsm hsm = Pkcs11Hsm.open(SoftHsmTestToken.get().config(SESSIONS));
        server = CoffreServer.start(config, hsm, StoreFactoryAccess.openH2(config.store().path()), clock);
    }

    /** Stops the node and starts a new one on the same token and store (a process restart). */
    public void restart() {
        closeChannels();
        server.close();
        start();
    }

    public MutableClock clock() {
        return clock;
    }

    public CoffreServer server() {
        return server;
    }

    public TestPki pki() {
        return pki;
    }

    public Path dir() {
        return dir;
    }

    public KeyServiceGrpc.KeyServiceBlockingStub adminKeys() {
        return KeyServiceGrpc.newBlockingStub(channelFor(pki.clientWithUri("admin", ADMIN)));
    }

    public CryptoServiceGrpc.CryptoServiceBlockingStub serviceCrypto() {
        return CryptoServiceGrpc.newBlockingStub(channelFor(pki.clientWithUri("service", SERVICE)));
    }

    /** A channel presenting {@code identity} (null: no client certificate), trusting the test CA. */
    public ManagedChannel channelFor(TestPki.Issued identity) {
        try {
            SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(pki.caFile().toFile());
            if (identity != null) {
                ssl.keyManager(identity.certificate().toFile(), identity.privateKey().toFile());
            }
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                    .sslContext(ssl.build())
                    .build();
            channels.add(channel);
            return channel;
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void closeChannels() {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        channels.clear();
    }

    @Override
    public void close() {
        closeChannels();
        server.close();
    }
}
