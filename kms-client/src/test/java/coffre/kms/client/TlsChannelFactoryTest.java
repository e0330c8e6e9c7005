package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsChannelFactoryTest {

    @TempDir
    Path dir;

    @org.junit.jupiter.params.ParameterizedTest(name = "for services: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void malformedPemIsATlsMaterialErrorThatNeverShowsTheFileContents(boolean forServices) throws Exception {
        String keyText = "-----BEGIN PRIVATE KEY-----\nTOPSECRETNOTBASE64###\n-----END PRIVATE KEY-----\n";
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate SECRETCA\n");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "not a certificate SECRETCERT\n");
        Path key = Files.writeString(dir.resolve("key.pem"), keyText);
        ConnectionSettings settings = new ConnectionSettings(Endpoints.parse("127.0.0.1:8443"), ca, cert, key,
                Duration.ofSeconds(1), Optional.empty());

        TlsChannelFactory factory = forServices ? TlsChannelFactory.forServices() : new TlsChannelFactory();

        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> factory.open(settings));

        assertTrue(e.getMessage().startsWith("cannot load TLS material (ca-cert " + ca + ", cert " + cert + ", key " + key
                + "; the key must be an unencrypted PKCS#8 PEM): "), e.getMessage());
        assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
    }

    @Test
    void aServicesKeyThatIsNotBase64IsATlsMaterialErrorWithoutItsContents() throws Exception {
        coffre.kms.server.testing.TestPki pki = coffre.kms.server.testing.TestPki.create(dir.resolve("pki"), "t");
        coffre.kms.server.testing.TestPki.Issued identity = pki.clientWithUri("id", "spiffe://coffre.test/service/a");
        Path key = Files.writeString(dir.resolve("bad.key"),
                "-----BEGIN PRIVATE KEY-----\nSECRETSECRETSECRET=SECRET\n-----END PRIVATE KEY-----\n");
        ConnectionSettings settings = new ConnectionSettings(Endpoints.parse("127.0.0.1:8443"), pki.caFile(),
                identity.certificate(), key, Duration.ofSeconds(1), Optional.empty());

        TlsMaterialException e = assertThrows(TlsMaterialException.class,
                () -> TlsChannelFactory.forServices().open(settings));

        assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
    }
}
