package coffre.kms.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslSessionContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;

/**
 * The production {@link ChannelFactory}: a Netty channel with mutual TLS to every endpoint. The
 * server is trusted only through {@link ConnectionSettings#caCert()} (never the JDK's default
 * trust store, so a public CA cannot vouch for a Coffre server), and the client certificate is
 * always presented, since the server takes the caller's principal from it.
 *
 * <p>The channel is a {@link ClusterChannels} one: one connection per node, calls spread
 * {@code round_robin} over the nodes that are up, and the calls that are safe to repeat retried
 * on {@code UNAVAILABLE} or {@code CANCELLED} ({@link ClientServiceConfig}), all within the call's deadline. Each
 * node's certificate is checked against the host it was listed under, unless
 * {@link ConnectionSettings#authority()} names one authority for all.
 *
 * <p>{@code new TlsChannelFactory()} reads the PEM files once (the CLI: one process, a few calls).
 * {@link #forServices()}, the default of {@link CoffreClient}, is for long-lived services: it
 * follows the PEM files on disk, so a certificate rotated in place (SPIFFE SVIDs, hourly) is
 * presented on the next connection without a restart; it pings idle connections (30 s, 10 s
 * timeout) so that a connection that died silently is found before a call needs it; and it
 * throttles retries ({@link ClientServiceConfig#serviceMap()}), the settings of
 * docs/client-settings.md.
 */
public final class TlsChannelFactory implements ChannelFactory {

    /** Keepalive ping interval of a service's connections, with or without calls in flight. */
    public static final Duration KEEPALIVE_TIME = Duration.ofSeconds(30);
    /** How long a ping may stay unanswered before the connection is closed. */
    public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);

    private final boolean service;

    /** A factory whose channels read the PEM files once (the CLI's). */
    public TlsChannelFactory() {
        this(false);
    }

    private TlsChannelFactory(boolean service) {
        this.service = service;
    }

    /**
     * A factory for long-lived services: channels that look at the PEM files at every TLS handshake
     * and reload them when they changed (a bad or half-written file is skipped and the previous
     * material kept), ping idle connections, and throttle retries.
     */
    public static TlsChannelFactory forServices() {
        return new TlsChannelFactory(true);
    }

    @Override
    public ManagedChannel open(ConnectionSettings settings) throws TlsMaterialException {
        NettyChannelBuilder builder = ClusterChannels.builder(settings.endpoints())
                .sslContext(service ? reloadingSslContext(settings)
                        : sslContext(settings.caCert(), settings.cert(), settings.key()));
        if (service) {
            builder.defaultServiceConfig(ClientServiceConfig.serviceMap())
                    .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
                    .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .keepAliveWithoutCalls(true);
        }
        settings.authority().ifPresent(builder::overrideAuthority);
        return builder.build();
    }

    private static SslContext reloadingSslContext(ConnectionSettings settings) throws TlsMaterialException {
        try {
            ReloadingTlsMaterial material = new ReloadingTlsMaterial(settings.caCert(), settings.cert(), settings.key());
            SslContext context = GrpcSslContexts.forClient()
                    .trustManager(material.trustManager())
                    .keyManager(material.keyManager())
                    .build();
            // A resumed session presents no certificate: the server would go on seeing the old one
            // (even expired) on every new connection. Connections are long-lived (one per node), so
            // a full handshake on each costs little.
            SSLSessionContext sessions = context.sessionContext();
            if (sessions instanceof OpenSslSessionContext openssl) {
                openssl.setSessionCacheEnabled(false);
            } else {
                sessions.setSessionTimeout(1);
            }
            return context;
        } catch (java.io.IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            // The JDK's and our messages name the file and the problem, never the file's contents.
            throw new TlsMaterialException("cannot load TLS material (ca-cert " + settings.caCert() + ", cert "
                    + settings.cert() + ", key " + settings.key() + "; the key must be an unencrypted PKCS#8 PEM): "
                    + rootMessage(e), e);
        }
    }

    /**
     * The client side of Coffre's mutual TLS from PEM files: trust only {@code caCert}, present
     * {@code cert} with {@code key}. One context may serve many channels.
     *
     * @param caCert PEM bundle of the CA(s) that signed the server certificate
     * @param cert PEM client certificate chain
     * @param key unencrypted PKCS#8 PEM private key of {@code cert}
     * @throws TlsMaterialException naming the three files and the problem, never their contents
     */
    public static SslContext sslContext(Path caCert, Path cert, Path key) throws TlsMaterialException {
        try {
            return GrpcSslContexts.forClient()
                    .trustManager(caCert.toFile())
                    .keyManager(cert.toFile(), key.toFile())
                    // Netty hands the PEM key to the JDK's KeyManagerFactory through a KeyStore it
                    // builds in memory and drops (never written, empty password). As PKCS#12, the
                    // default type, that store encrypts the key with 10,000 PBKDF2 rounds first:
                    // ~70 ms of every CLI call that protect nothing. JKS stores it with a cheap
                    // transform, which is all an in-memory carrier needs.
                    .keyStoreType("JKS")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            // Netty's messages name the file and the problem, never the file's contents.
            throw new TlsMaterialException("cannot load TLS material (ca-cert " + caCert + ", cert " + cert
                    + ", key " + key + "; the key must be an unencrypted PKCS#8 PEM): " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + cause.getMessage();
    }
}
