package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.config.XksSettings;
import coffre.kms.server.testing.TestPki;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The XKS listener's TLS: protocols, suites, and the trust manager that checks the CA and the subject. */
class XksTlsTest {
    @TempDir
    Path dir;

    private static X509Certificate[] chain(TestPki.Issued issued) throws Exception {
        try (InputStream in = Files.newInputStream(issued.certificate())) {
            return new X509Certificate[] {(X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)};
        }
    }

    @Test
    void aClientNeedsTheCaAndAnAllowedSubject() throws Exception {
        TestPki aws = TestPki.create(dir.resolve("aws"), "aws");
        TestPki rogue = TestPki.create(dir.resolve("rogue"), "rogue");
        XksTls.AllowedSubjects trust = new XksTls.AllowedSubjects(XksTls.caTrust(aws.caFile()),
                Set.of(new X500Principal("CN=cks.kms.eu-west-1.amazonaws.com")));
        X509Certificate[] kms = chain(aws.clientWithCn("kms", "cks.kms.eu-west-1.amazonaws.com"));
        assertDoesNotThrow(() -> trust.checkClientTrusted(kms, "ECDHE_ECDSA"));
        X509Certificate[] otherSubject = chain(aws.clientWithCn("other", "cks.kms.eu-west-3.amazonaws.com"));
        assertThrows(CertificateException.class, () -> trust.checkClientTrusted(otherSubject, "ECDHE_ECDSA"));
        X509Certificate[] otherCa = chain(rogue.clientWithCn("kms", "cks.kms.eu-west-1.amazonaws.com"));
        assertThrows(CertificateException.class, () -> trust.checkClientTrusted(otherCa, "ECDHE_ECDSA"));
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(kms, "ECDHE_ECDSA"),
                "the listener trusts no server");
    }

    @Test
    void optionsOfferTls12And13AeadSuitesAndRequireAClientCertificateForMutualTls() {
        TestPki pki = TestPki.create(dir.resolve("pki"), "coffre");
        TestPki.Issued server = pki.server("xks");
        HttpServerOptions tls = XksTls.options(new XksSettings("127.0.0.1", 0, server.certificate(), server.privateKey(),
                null, List.of(), "Coffre", null, null, Duration.ofMillis(150), 10));
        assertTrue(tls.isSsl() && tls.isUseAlpn());
        assertTrue(tls.getEnabledSecureTransportProtocols().equals(Set.of("TLSv1.2", "TLSv1.3")));
        assertTrue(tls.getEnabledCipherSuites().containsAll(List.of("TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")), "the spec's four");
        assertTrue(tls.getEnabledCipherSuites().stream().allMatch(s -> (s.startsWith("TLS_AES_")
                        || s.startsWith("TLS_CHACHA20_") || s.startsWith("TLS_ECDHE_"))
                        && (s.contains("_GCM_") || s.contains("CHACHA20_POLY1305"))),
                "AEAD with forward secrecy only: " + tls.getEnabledCipherSuites());
        assertTrue(tls.getClientAuth() == ClientAuth.NONE);
        HttpServerOptions mutual = XksTls.options(new XksSettings("127.0.0.1", 0, server.certificate(),
                server.privateKey(), pki.caFile(), List.of(new X500Principal("CN=cks.kms.eu-west-1.amazonaws.com")),
                "Coffre", null, null, Duration.ofMillis(150), 10));
        assertTrue(mutual.getClientAuth() == ClientAuth.REQUIRED);
    }
}
