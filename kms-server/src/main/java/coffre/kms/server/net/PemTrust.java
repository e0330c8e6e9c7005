package coffre.kms.server.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's PKIX trust manager over the CA certificates of a PEM bundle: what the XKS listener
 * trusts for client certificates ({@code xks.tls.clientCa}) and the DKE edge for the token
 * issuer's JWK set URL ({@code dke.jwt.jwksCa}). One reader, so both refuse an empty or unreadable
 * bundle the same way, naming the setting.
 */
public final class PemTrust {
    private PemTrust() {
    }

    /**
     * @param setting the configuration setting that named the bundle, for error messages
     * @throws IllegalArgumentException if the bundle cannot be read or holds no certificate
     */
    public static X509ExtendedTrustManager of(Path caBundle, String setting) {
        try (InputStream in = Files.newInputStream(caBundle)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            if (n == 0) {
                throw new IllegalArgumentException(setting + ": " + caBundle + " holds no certificate");
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK offers no X.509 trust manager");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(setting + ": cannot read the CA certificates of " + caBundle + ": "
                    + e.getMessage(), e);
        }
    }
}
