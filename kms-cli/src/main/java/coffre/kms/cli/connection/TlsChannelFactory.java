package coffre.kms.cli.connection;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import javax.net.ssl.SSLException;

/**
 * The production {@link ChannelFactory}: a Netty channel with mutual TLS to every endpoint. The
 * server is trusted only through {@link ConnectionSettings#caCert()} (never the JDK's default
 * trust store, so a public CA cannot vouch for a Coffre server), and the client certificate is
 * always presented, since the server takes the caller's principal from it.
 *
 * <p>The endpoints are resolved by {@link EndpointsNameResolverProvider}: one connection per node,
 * calls spread {@code round_robin} over the nodes that are up, and the calls that are safe to
 * repeat retried on {@code UNAVAILABLE} ({@link ClientServiceConfig}), all within the call's
 * deadline. Each node's certificate is checked against the host it was listed under, unless
 * {@link ConnectionSettings#authority()} names one authority for all.
 */
public final class TlsChannelFactory implements ChannelFactory {

    @Override
    public ManagedChannel open(ConnectionSettings settings) throws ConfigurationException {
        SslContext tls = sslContext(settings);
        NettyChannelBuilder builder = NettyChannelBuilder
                .forTarget(EndpointsNameResolverProvider.target(settings.endpoints()))
                .sslContext(tls)
                .defaultServiceConfig(ClientServiceConfig.map())
                .enableRetry();
        settings.authority().ifPresent(builder::overrideAuthority);
        return builder.build();
    }

    private static SslContext sslContext(ConnectionSettings settings) throws ConfigurationException {
        try {
            return GrpcSslContexts.forClient()
                    .trustManager(settings.caCert().toFile())
                    .keyManager(settings.cert().toFile(), settings.key().toFile())
                    // Netty hands the PEM key to the JDK's KeyManagerFactory through a KeyStore it
                    // builds in memory and drops (never written, empty password). As PKCS#12, the
                    // default type, that store encrypts the key with 10,000 PBKDF2 rounds first:
                    // ~70 ms of every CLI call that protect nothing. JKS stores it with a cheap
                    // transform, which is all an in-memory carrier needs.
                    .keyStoreType("JKS")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            // Netty's messages name the file and the problem, never the file's contents.
            throw new ConfigurationException("cannot load TLS material (ca-cert " + settings.caCert()
                    + ", cert " + settings.cert() + ", key " + settings.key()
                    + "; the key must be an unencrypted PKCS#8 PEM): " + rootMessage(e), e);
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
