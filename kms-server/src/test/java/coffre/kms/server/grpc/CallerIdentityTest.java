package coffre.kms.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.testing.TestPki;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The caller's principal comes from its certificate, in its one canonical spelling or not at all. */
class CallerIdentityTest {
    @TempDir
    Path dir;

    private static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void aCanonicalUriOrCommonNameIsThePrincipal() throws Exception {
        TestPki pki = TestPki.create(dir, "ids");
        assertEquals("spiffe://cloud.example/ns/billing/sa/api", CallerIdentity.principalOf(
                read(pki.clientWithUri("uri", "spiffe://cloud.example/ns/billing/sa/api").certificate())).name());
        assertEquals("billing-api", CallerIdentity.principalOf(
                read(pki.clientWithCn("cn", "billing-api").certificate())).name());
    }

    @Test
    void anotherSpellingOfAnIdentityIsNotAuthenticated() throws Exception {
        TestPki pki = TestPki.create(dir, "ids");
        for (String uri : new String[] {"SPIFFE://cloud.example/ns/billing", "spiffe://CLOUD.example/ns/billing",
                "spiffe://cloud.example/ns/%62illing", "spiffe://cloud.example/ns//billing"}) {
            X509Certificate cert = read(pki.clientWithUri("u" + Math.abs(uri.hashCode()), uri).certificate());
            KmsException e = assertThrows(KmsException.class, () -> CallerIdentity.principalOf(cert), uri);
            assertEquals(ErrorReason.UNAUTHENTICATED_PRINCIPAL, e.reason(), uri);
        }
    }
}
