package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoffreCredentialsTest {

    @TempDir
    Path dir;

    private Path file(String text) throws Exception {
        Path file = dir.resolve("coffre.properties");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void aFileGivesEverySettingWithPathsRelativeToItsDirectory() throws Exception {
        CoffreCredentials credentials = CoffreCredentials.fromFile(file("""
                endpoint = kms-a.internal:8443,kms-b.internal:8443
                ca-cert = tls/ca.pem
                cert = /etc/billing/tls.pem
                key = tls/tls.key
                timeout = 3
                authority = kms.internal
                """));

        assertEquals(2, credentials.endpoints().all().size());
        assertEquals(dir.resolve("tls/ca.pem"), credentials.caCert());
        assertEquals(Path.of("/etc/billing/tls.pem"), credentials.cert());
        assertEquals(dir.resolve("tls/tls.key"), credentials.key());
        assertEquals(Duration.ofSeconds(3), credentials.timeout());
        assertEquals(Optional.of("kms.internal"), credentials.authority());
    }

    @Test
    void theTimeoutAndAuthorityAreOptional() throws Exception {
        CoffreCredentials credentials = CoffreCredentials.fromFile(file("endpoint=h:1\nca-cert=ca\ncert=c\nkey=k\n"));

        assertEquals(CoffreCredentials.DEFAULT_TIMEOUT, credentials.timeout());
        assertEquals(Optional.empty(), credentials.authority());
    }

    @Test
    void aMissingKeyIsNamedWithTheFile() throws Exception {
        Path file = file("endpoint=h:1\nca-cert=ca\ncert=c\n");

        CredentialsException e = assertThrows(CredentialsException.class, () -> CoffreCredentials.fromFile(file));

        assertEquals("missing Coffre setting: key 'key' of " + file, e.getMessage());
    }

    @Test
    void anUnknownKeyIsRefusedSoATypoIsNotIgnored() throws Exception {
        Path file = file("endpoint=h:1\nca-cert=ca\ncert=c\nkey=k\ndeadline=3\n");

        CredentialsException e = assertThrows(CredentialsException.class, () -> CoffreCredentials.fromFile(file));

        assertTrue(e.getMessage().contains("unknown key 'deadline'"), e.getMessage());
    }

    @Test
    void aBadTimeoutSaysWhatIsAccepted() throws Exception {
        Path file = file("endpoint=h:1\nca-cert=ca\ncert=c\nkey=k\ntimeout=0\n");

        CredentialsException e = assertThrows(CredentialsException.class, () -> CoffreCredentials.fromFile(file));

        assertEquals("bad key 'timeout' of " + file + ": '0'; expected whole seconds, 1-3600", e.getMessage());
    }

    @Test
    void aBadEndpointIsNamed() throws Exception {
        Path file = file("endpoint=no-port\nca-cert=ca\ncert=c\nkey=k\n");

        CredentialsException e = assertThrows(CredentialsException.class, () -> CoffreCredentials.fromFile(file));

        assertTrue(e.getMessage().startsWith("bad key 'endpoint' of " + file), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.properties");

        CredentialsException e = assertThrows(CredentialsException.class, () -> CoffreCredentials.fromFile(missing));

        assertTrue(e.getMessage().startsWith("cannot read Coffre credentials file " + missing), e.getMessage());
    }

    @Test
    void theEnvironmentGivesTheSameSettingsUnderCoffreVariables() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("COFFRE_ENDPOINT", "h:1", "COFFRE_CA_CERT", "/ca.pem",
                "COFFRE_CERT", "/c.pem", "COFFRE_KEY", "k.pem", "COFFRE_TIMEOUT", "7"));

        CoffreCredentials credentials = CoffreCredentials.fromEnvironment(env::get);

        assertEquals(Path.of("/ca.pem"), credentials.caCert());
        assertEquals(Path.of("k.pem"), credentials.key());
        assertEquals(Duration.ofSeconds(7), credentials.timeout());
    }

    @Test
    void aMissingVariableIsNamed() {
        Map<String, String> env = Map.of("COFFRE_ENDPOINT", "h:1", "COFFRE_CA_CERT", "/ca.pem", "COFFRE_KEY", "k.pem");

        CredentialsException e = assertThrows(CredentialsException.class,
                () -> CoffreCredentials.fromEnvironment(env::get));

        assertEquals("missing Coffre setting: variable COFFRE_CERT", e.getMessage());
    }

    @Test
    void unreadablePemFilesFailWhenTheClientOpens() throws Exception {
        CoffreCredentials credentials = CoffreCredentials.fromFile(file("endpoint=h:1\nca-cert=ca\ncert=c\nkey=k\n"));

        TlsMaterialException e = assertThrows(TlsMaterialException.class, credentials::open);

        assertTrue(e.getMessage().startsWith("cannot load TLS material (ca-cert " + dir.resolve("ca")), e.getMessage());
    }
}
