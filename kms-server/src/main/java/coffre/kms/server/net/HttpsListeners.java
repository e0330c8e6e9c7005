package coffre.kms.server.net;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The TLS every HTTPS edge of the node listens with (the XKS and DKE listeners): TLS 1.2 and 1.3
 * only, ALPN offering HTTP/2 then HTTP/1.1, and only AEAD cipher suites with forward secrecy
 * (among them the four the AWS XKS spec lists). One place, so the edges cannot drift apart.
 */
public final class HttpsListeners {
    /** The suites offered, strongest first; each names its key exchange (ECDHE) or is TLS 1.3. */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    private HttpsListeners() {
    }

    /** Server options with the certificate chain and PKCS#8 key of these PEM files; the caller sets the address. */
    public static HttpServerOptions options(Path certificate, Path privateKey) {
        HttpServerOptions options = new HttpServerOptions()
                .setSsl(true)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setEnabledSecureTransportProtocols(PROTOCOLS)
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertPath(certificate.toString())
                        .setKeyPath(privateKey.toString()));
        CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
        return options;
    }
}
