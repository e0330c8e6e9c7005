package coffre.kms.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * The production {@link ChannelFactory}: a Netty channel with mutual TLS to every endpoint. The
 * server is trusted only through {@link ConnectionSettings#caCert()} (never the JDK's default
 * trust store, so a public CA cannot vouch for a Coffre server), and the client certificate is
 * always presented, since the server takes the caller's principal from it.
 *
 * <p>The channel is a {@link ClusterChannels} one: one connection per node, calls spread
 * {@code round_robin} over the nodes that are up, and the calls that are safe to repeat retried
 * on {@code UNAVAILABLE} ({@link ClientServiceConfig}), all within the call's deadline. Each
 * node's certificate is checked against the host it was listed under, unless
 * {@link ConnectionSettings#authority()} names one authority for all.
 */
public final class TlsChannelFactory implements ChannelFactory {

    @Override
    public ManagedChannel open(ConnectionSettings settings) throws TlsMaterialException {
        NettyChannelBuilder builder = ClusterChannels.builder(settings.endpoints())
                .sslContext(sslContext(settings.caCert(), settings.cert(), settings.key()));
        settings.authority().ifPresent(builder::overrideAuthority);
        return builder.build();
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
