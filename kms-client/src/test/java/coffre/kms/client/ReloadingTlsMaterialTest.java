package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS material follows its files: rotated files are taken, bad ones are not. */
class ReloadingTlsMaterialTest {

    @TempDir
    Path dir;

    /** Replaces {@code target} as an agent does: write beside it, then rename over it. */
    private static void rotate(Path source, Path target) throws Exception {
        Path next = target.resolveSibling(target.getFileName() + ".next");
        Files.copy(source, next, StandardCopyOption.REPLACE_EXISTING);
        Files.move(next, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String uri(X509Certificate certificate) throws Exception {
        for (List<?> name : certificate.getSubjectAlternativeNames()) {
            if ((Integer) name.get(0) == 6) {
                return (String) name.get(1);
            }
        }
        return "";
    }

    @Test
    void aRotatedCertificateIsPresentedAndABadFileIsNotTaken() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "rotation");
        TestPki.Issued first = pki.clientWithUri("first", "spiffe://coffre.test/service/first");
        TestPki.Issued second = pki.clientWithUri("second", "spiffe://coffre.test/service/second");
        Path ca = dir.resolve("ca.pem");
        Path cert = dir.resolve("tls.pem");
        Path key = dir.resolve("tls.key");
        Files.copy(pki.caFile(), ca);
        Files.copy(first.certificate(), cert);
        Files.copy(first.privateKey(), key);
        ReloadingTlsMaterial material = new ReloadingTlsMaterial(ca, cert, key);
        X509ExtendedKeyManager keys = material.keyManager();
        String alias = keys.chooseEngineClientAlias(new String[] {"EC"}, null, null);

        String before = uri(keys.getCertificateChain(alias)[0]);
        rotate(second.certificate(), cert);
        rotate(second.privateKey(), key);
        String after = uri(keys.getCertificateChain(alias)[0]);
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nhalf-writ");
        String whileBroken = uri(keys.getCertificateChain(alias)[0]);

        assertEquals("spiffe://coffre.test/service/first", before);
        assertEquals("spiffe://coffre.test/service/second", after);
        assertEquals("spiffe://coffre.test/service/second", whileBroken);
        assertEquals(keys.getCertificateChain(alias)[0].getPublicKey().getAlgorithm(),
                keys.getPrivateKey(alias).getAlgorithm());
    }

    @Test
    void aRotatedCaBundleIsTrusted() throws Exception {
        TestPki old = TestPki.create(dir.resolve("old"), "old");
        TestPki next = TestPki.create(dir.resolve("next"), "next");
        TestPki.Issued identity = old.clientWithUri("id", "spiffe://coffre.test/service/a");
        Path ca = dir.resolve("ca.pem");
        Files.copy(old.caFile(), ca);
        ReloadingTlsMaterial material = new ReloadingTlsMaterial(ca, identity.certificate(), identity.privateKey());

        String before = material.trustManager().getAcceptedIssuers()[0].getSubjectX500Principal().getName();
        rotate(next.caFile(), ca);
        String after = material.trustManager().getAcceptedIssuers()[0].getSubjectX500Principal().getName();

        assertEquals("CN=old test CA", before);
        assertEquals("CN=next test CA", after);
    }

    @Test
    void materialThatCannotBeLoadedAtFirstIsRefused() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        Path missing = dir.resolve("missing.pem");

        assertThrows(java.nio.file.NoSuchFileException.class, () -> new ReloadingTlsMaterial(ca, missing, missing));
        TestPki pki = TestPki.create(dir.resolve("pki"), "p");
        TestPki.Issued identity = pki.clientWithUri("id", "spiffe://coffre.test/service/a");
        GeneralSecurityException noCa = assertThrows(GeneralSecurityException.class,
                () -> new ReloadingTlsMaterial(ca, identity.certificate(), identity.privateKey()));
        assertTrue(noCa.getMessage() == null || !noCa.getMessage().contains("BEGIN"), noCa.getMessage());
    }
}
