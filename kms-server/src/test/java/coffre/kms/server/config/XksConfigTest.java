package coffre.kms.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code xks.*} settings: off unless {@code xks.port} is set, and every bad value named. */
class XksConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws IOException {
        ConfigFixture.files(dir, "pki/xks.pem", "pki/xks.key", "pki/aws-ca.pem");
    }

    private static final String BASE = ConfigFixture.BASE;

    private static final String XKS = """
            xks:
              host: 0.0.0.0
              port: 8444
              tls:
                certificate: pki/xks.pem
                privateKey: pki/xks.key
            """;

    private ServerConfig load(String yaml, Map<String, String> env) throws IOException {
        return ConfigFixture.load(dir, yaml, env);
    }

    @Test
    void offUnlessAPortIsSet() throws IOException {
        assertNull(load(BASE, Map.of()).xks());
    }

    @Test
    void defaultsWithServerTlsOnly() throws IOException {
        XksSettings xks = load(BASE + XKS, Map.of()).xks();
        assertEquals("0.0.0.0", xks.host());
        assertEquals(8444, xks.port());
        assertEquals(dir.resolve("pki/xks.pem"), xks.certificate());
        assertFalse(xks.mutualTls());
        assertEquals(List.of(), xks.allowedSubjects());
        assertEquals("Coffre", xks.vendor());
        assertNull(xks.model(), "the server fills in its version");
        assertEquals(Duration.ofMillis(150), xks.requestTimeout());
        assertEquals(256, xks.maxInFlight());
    }

    @Test
    void mutualTlsWithItsSubjectsFromTheFileOrTheEnvironment() throws IOException {
        String yaml = BASE + XKS + """
                    clientCa: pki/aws-ca.pem
                    allowedSubjects: ["CN=cks.kms.eu-west-1.amazonaws.com", "CN=cks.kms.eu-west-3.amazonaws.com"]
                  vendor: Acme
                  model: Acme XKS 2
                  ekmVendor: Thales
                  requestTimeout: PT0.1S
                  maxInFlight: 64
                """;
        XksSettings xks = load(yaml, Map.of()).xks();
        assertTrue(xks.mutualTls());
        assertEquals(List.of(new X500Principal("CN=cks.kms.eu-west-1.amazonaws.com"),
                new X500Principal("CN=cks.kms.eu-west-3.amazonaws.com")), xks.allowedSubjects());
        assertEquals("Acme XKS 2", xks.model());
        assertEquals("Thales", xks.ekmVendor());
        assertEquals(Duration.ofMillis(100), xks.requestTimeout());
        assertEquals(64, xks.maxInFlight());

        XksSettings fromEnv = load(yaml, Map.of("COFFRE_XKS_TLS_ALLOWED_SUBJECTS",
                "CN=cks.kms.us-east-1.amazonaws.com,O=Amazon; CN=other")).xks();
        assertEquals(List.of(new X500Principal("CN=cks.kms.us-east-1.amazonaws.com,O=Amazon"),
                new X500Principal("CN=other")), fromEnv.allowedSubjects(), "';' separates distinguished names");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("a setting without the port", BASE + "xks:\n  vendor: Acme\n",
                        "xks.vendor: set only with xks.port"),
                Arguments.of("subjects without the port", BASE + "xks:\n  tls:\n    allowedSubjects: [CN=x]\n",
                        "xks.tls.allowedSubjects: set only with xks.port"),
                Arguments.of("no certificate", BASE + "xks:\n  port: 8444\n", "xks.tls.certificate: required"),
                Arguments.of("unreadable certificate", BASE + XKS.replace("pki/xks.pem", "pki/missing.pem"),
                        "xks.tls.certificate: cannot read file"),
                Arguments.of("a CA without subjects", BASE + XKS + "    clientCa: pki/aws-ca.pem\n",
                        "xks.tls.allowedSubjects: required with xks.tls.clientCa"),
                Arguments.of("subjects without a CA", BASE + XKS + "    allowedSubjects: [CN=x]\n",
                        "xks.tls.allowedSubjects: set only with xks.tls.clientCa"),
                Arguments.of("an unreadable CA", BASE + XKS + "    clientCa: pki/none.pem\n    allowedSubjects: [CN=x]\n",
                        "xks.tls.clientCa: cannot read file"),
                Arguments.of("a subject that is no DN", BASE + XKS
                                + "    clientCa: pki/aws-ca.pem\n    allowedSubjects: [CN=x, \"not a dn\"]\n",
                        "xks.tls.allowedSubjects[1]: \"not a dn\" is not a distinguished name"),
                Arguments.of("the gRPC port", BASE + XKS.replace("8444", "9443"), "xks.port: 9443 is already server.port"),
                Arguments.of("a port out of range", BASE + XKS.replace("8444", "70000"), "xks.port: 70000 is out of range"),
                Arguments.of("a deadline far past AWS's", BASE + XKS + "  requestTimeout: PT2S\n",
                        "xks.requestTimeout: must be between"),
                Arguments.of("a deadline too short", BASE + XKS + "  requestTimeout: PT0.001S\n",
                        "xks.requestTimeout: must be between"),
                Arguments.of("no room for a call", BASE + XKS + "  maxInFlight: 0\n", "xks.maxInFlight: 0 is out of range"),
                Arguments.of("a typo", BASE + XKS + "  vendr: Acme\n", "unknown setting(s): xks.vendr"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void badSettingsAreNamed(String name, String yaml, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(yaml, Map.of()));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
