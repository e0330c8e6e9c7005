package coffre.kms.server.xks;

import coffre.kms.server.config.XksSettings;
import coffre.kms.server.net.HttpsListeners;
import coffre.kms.server.net.PemTrust;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.TrustOptions;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;

/**
 * The TLS of the XKS listener, as AWS KMS requires it (spec, "Authentication"):
 * <ul>
 *   <li>TLS 1.2 and 1.3 only, ALPN offering HTTP/2 then HTTP/1.1;</li>
 *   <li>only AEAD cipher suites with forward secrecy, among them the four the spec lists
 *       ({@code TLS_AES_256_GCM_SHA384}, {@code TLS_CHACHA20_POLY1305_SHA256},
 *       {@code TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}, {@code TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384});</li>
 *   <li>optional mutual TLS: the client certificate must chain to the configured CA <em>and</em>
 *       have one of the configured subjects. Both are checked by the trust manager during the
 *       handshake, so any other certificate (or none) fails the handshake itself with a TLS alert:
 *       no request is read from such a connection.</li>
 * </ul>
 */
final class XksTls {
    /** The suites offered ({@link HttpsListeners#CIPHER_SUITES}). */
    static final List<String> CIPHER_SUITES = HttpsListeners.CIPHER_SUITES;
    static final Set<String> PROTOCOLS = HttpsListeners.PROTOCOLS;

    private XksTls() {
    }

    /** Listener options (TLS, ALPN, mutual TLS if configured); the caller sets the address. */
    static HttpServerOptions options(XksSettings settings) {
        HttpServerOptions options = HttpsListeners.options(settings.certificate(), settings.privateKey())
                .setSslEngineOptions(engine());
        if (settings.mutualTls()) {
            options.setClientAuth(ClientAuth.REQUIRED)
                    .setTrustOptions(TrustOptions.wrap(new AllowedSubjects(caTrust(settings.clientCa()),
                            Set.copyOf(settings.allowedSubjects()))));
        }
        return options;
    }

    /**
     * BoringSSL (netty-tcnative, a dependency of the server) rather than the JDK's TLS: it sends the
     * alert AWS's clients expect for a refused certificate and costs less CPU per record. Its native
     * library ships for linux-x86_64 only; elsewhere the listener refuses to start rather than
     * silently answering with other alerts.
     */
    static OpenSSLEngineOptions engine() {
        if (!OpenSsl.isAvailable()) {
            throw new IllegalStateException("the XKS listener needs netty-tcnative's BoringSSL, which cannot load here: "
                    + OpenSsl.unavailabilityCause());
        }
        return new OpenSSLEngineOptions().setSessionCacheEnabled(true);
    }

    /** The JDK's PKIX trust manager over the certificates of a PEM bundle. */
    static X509ExtendedTrustManager caTrust(Path caBundle) {
        return PemTrust.of(caBundle, "xks.tls.clientCa");
    }

    /**
     * Trusts a client certificate that the CA's trust manager trusts and whose subject is allowed
     * (distinguished names compared in their canonical form, as {@link X500Principal#equals} does).
     * Only for clients: this listener never trusts a server.
     */
    static final class AllowedSubjects extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager ca;
        private final Set<X500Principal> allowed;

        AllowedSubjects(X509ExtendedTrustManager ca, Set<X500Principal> allowed) {
            this.ca = ca;
            this.allowed = allowed;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                requireAllowed(chain);
                ca.checkClientTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                throw refused(e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                requireAllowed(chain);
                ca.checkClientTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                throw refused(e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                requireAllowed(chain);
                ca.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                throw refused(e);
            }
        }

        /**
         * Checked before the chain, because it is cheaper: under TLS 1.3 the client sends its first
         * request right after its certificate, and the sooner the alert goes out, the less often that
         * request reaches the socket first (closing a socket with unread bytes resets the connection,
         * and the client may then lose the alert).
         */
        private void requireAllowed(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0 || !allowed.contains(chain[0].getSubjectX500Principal())) {
                throw new CertificateException("the client certificate's subject is not in xks.tls.allowedSubjects");
            }
        }

        /**
         * Every refusal, whatever its cause (unknown CA, expired, subject not allowed), as OpenSSL's
         * "application verification" failure, which BoringSSL answers with alert
         * {@code handshake_failure} (40): the alert AWS's XKS test client expects, and one that tells
         * a stranger nothing about why. (The JDK's own engine would send {@code certificate_unknown}.)
         */
        private static CertificateException refused(CertificateException cause) {
            if (!OpenSsl.isAvailable()) {
                return cause; // only under the JDK's engine (unit tests); the listener requires BoringSSL
            }
            OpenSslCertificateException refused = new OpenSslCertificateException(
                    cause.getMessage(), CertificateVerifier.X509_V_ERR_APPLICATION_VERIFICATION);
            refused.initCause(cause);
            return refused;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("the XKS listener trusts no server");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("the XKS listener trusts no server");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the XKS listener trusts no server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return ca.getAcceptedIssuers();
        }
    }
}
