package coffre.kms.server.grpc;

import coffre.kms.server.config.TlsSettings;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * The TLS half of a Coffre gRPC listener: TLS with ALPN (gRPC needs HTTP/2), the node's PEM
 * certificate chain and key, and client certificates requested and checked against the client CA.
 *
 * <p>In one place so that the load tool's baseline servers (kms-loadtest {@code NoopServer} and
 * {@code HsmOnlyServer}) listen exactly as a node does: their figures are the floor of the server's
 * only if their TLS stack is the server's, not a copy that may drift.
 */
public final class MutualTlsListener {

    private MutualTlsListener() {
    }

    /** New listener options with mutual TLS from {@code tls}; the caller adds the host, port and HTTP/2 settings. */
    public static HttpServerOptions options(TlsSettings tls) {
        return new HttpServerOptions()
                .setSsl(true)
                .setUseAlpn(true)
                // REQUEST, not REQUIRED: a caller without a certificate gets a clear
                // UNAUTHENTICATED from the handler (or the CertificateGate) instead of a bare
                // handshake failure. A certificate that does not chain to the client CA still
                // fails the handshake.
                .setClientAuth(ClientAuth.REQUEST)
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertPath(tls.certificate().toString())
                        .setKeyPath(tls.privateKey().toString()))
                .setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCa().toString()));
    }
}
