package coffre.kms.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code dke.*} settings: off unless {@code dke.port} is set, and every bad value named. */
class DkeConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws IOException {
        ConfigFixture.files(dir, "pki/dke.pem", "pki/dke.key", "pki/proxy-ca.pem", "jwks.json");
    }

    private static final String BASE = ConfigFixture.BASE;

    private static final String DKE = """
            dke:
              host: 0.0.0.0
              port: 8445
              serviceUrl: https://dke.example.eu
              tls:
                certificate: pki/dke.pem
                privateKey: pki/dke.key
              jwt:
                issuers: ["https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"]
                jwksUrl: https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys
            """;

    private ServerConfig load(String yaml, Map<String, String> env) throws IOException {
        return ConfigFixture.load(dir, yaml, env);
    }

    @Test
    void offUnlessAPortIsSet() throws IOException {
        assertNull(load(BASE, Map.of()).dke());
    }

    @Test
    void defaults() throws IOException {
        DkeSettings dke = load(BASE + DKE, Map.of()).dke();
        assertEquals("0.0.0.0", dke.host());
        assertEquals(8445, dke.port());
        assertEquals("https://dke.example.eu", dke.serviceUrlText());
        assertEquals(dir.resolve("pki/dke.pem"), dke.certificate());
        assertEquals(Set.of("RS256"), dke.algorithms());
        assertEquals(Duration.ofSeconds(60), dke.clockSkew());
        assertEquals(Duration.ofHours(1), dke.jwksRefresh());
        assertEquals(Duration.ofSeconds(30), dke.jwksMinRefreshGap());
        assertEquals(DkeSettings.DEFAULT_AUTHORIZATION_URL, dke.authorizationUrl());
        assertEquals(Duration.ofHours(1), dke.publicKeyCacheTime());
        assertFalse(dke.anonymousPublicKey());
        assertNull(dke.jwksFile());
        assertNull(dke.jwksCa());
        assertEquals(Duration.ofSeconds(2), dke.requestTimeout());
        assertEquals(256, dke.maxInFlight());
    }

    @Test
    void everySettingAndTheEnvironment() throws IOException {
        String yaml = BASE + DKE.replace("    jwksUrl: https://login", "    jwksCa: pki/proxy-ca.pem\n    jwksUrl: https://login") + """
                    algorithms: [RS256, PS256, ES256]
                    clockSkew: PT0S
                    jwksRefresh: PT10M
                    jwksMinRefreshGap: PT5S
                    authorizationUrl: https://login.microsoftonline.com/common/oauth2/authorize
                  publicKeyCacheTime: PT0S
                  anonymousPublicKey: true
                  requestTimeout: PT0.5S
                  maxInFlight: 32
                """;
        DkeSettings dke = load(yaml, Map.of("COFFRE_DKE_JWT_ISSUERS", "https://a.example/,https://b.example/")).dke();
        assertEquals(Set.of("RS256", "PS256", "ES256"), dke.algorithms());
        assertEquals(Duration.ZERO, dke.clockSkew());
        assertEquals(Duration.ZERO, dke.publicKeyCacheTime(), "zero: clients do not cache");
        assertTrue(dke.anonymousPublicKey());
        assertEquals(dir.resolve("pki/proxy-ca.pem"), dke.jwksCa());
        assertEquals(List.of("https://a.example/", "https://b.example/"), dke.issuers());
        assertEquals(URI.create("https://login.microsoftonline.com/common/oauth2/authorize"), dke.authorizationUrl());
        assertEquals(32, dke.maxInFlight());
        DkeSettings fromFile = load(BASE + DKE.replace("jwksUrl: https://login.microsoftonline.com/"
                + "72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys", "jwksFile: jwks.json"), Map.of()).dke();
        assertEquals(dir.resolve("jwks.json"), fromFile.jwksFile());
        assertNull(fromFile.jwksUrl());
    }

    static Stream<Arguments> invalid() {
        String jwksUrl = "jwksUrl: https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys";
        return Stream.of(
                Arguments.of("a setting without the port", BASE + "dke:\n  serviceUrl: https://x.example\n",
                        "dke.serviceUrl: set only with dke.port"),
                Arguments.of("issuers without the port", BASE + "dke:\n  jwt:\n    issuers: [x]\n",
                        "dke.jwt.issuers: set only with dke.port"),
                Arguments.of("no service URL", BASE + DKE.replace("  serviceUrl: https://dke.example.eu\n", ""),
                        "dke.serviceUrl: required"),
                Arguments.of("a service URL with a path", BASE + DKE.replace("https://dke.example.eu", "https://dke.example.eu/"),
                        "dke.serviceUrl: must have no path"),
                Arguments.of("a plain http service URL", BASE + DKE.replace("https://dke.example.eu", "http://dke.example.eu"),
                        "dke.serviceUrl: must be an https URL"),
                Arguments.of("an upper-case host", BASE + DKE.replace("https://dke.example.eu", "https://DKE.example.eu"),
                        "dke.serviceUrl: must have its host name in lower case"),
                Arguments.of("no issuer", BASE + DKE.replace("    issuers: [\"https://sts.windows.net/72f988bf-86f1-41af-"
                        + "91ab-2d7cd011db47/\"]\n", ""), "dke.jwt.issuers: required"),
                Arguments.of("no JWK set", BASE + DKE.replace("    " + jwksUrl + "\n", ""),
                        "dke.jwt.jwksFile, dke.jwt.jwksUrl: set exactly one"),
                Arguments.of("both JWK sets", BASE + DKE + "    jwksFile: jwks.json\n",
                        "dke.jwt.jwksFile, dke.jwt.jwksUrl: set exactly one"),
                Arguments.of("an unreadable JWK set file", BASE + DKE.replace(jwksUrl, "jwksFile: none.json"),
                        "dke.jwt.jwksFile: cannot read file"),
                Arguments.of("a plain http JWK set URL", BASE + DKE.replace("jwksUrl: https://login", "jwksUrl: http://login"),
                        "dke.jwt.jwksUrl: must be an https URL"),
                Arguments.of("a CA without a URL", BASE + DKE.replace(jwksUrl, "jwksFile: jwks.json\n    jwksCa: pki/proxy-ca.pem"),
                        "dke.jwt.jwksCa: set only with dke.jwt.jwksUrl"),
                Arguments.of("HMAC", BASE + DKE + "    algorithms: [HS256]\n", "dke.jwt.algorithms: [HS256] is not allowed"),
                Arguments.of("none", BASE + DKE + "    algorithms: [none]\n", "dke.jwt.algorithms: [none] is not allowed"),
                Arguments.of("a skew too long", BASE + DKE + "    clockSkew: PT10M\n", "dke.jwt.clockSkew: must be between"),
                Arguments.of("a refresh gap past the refresh", BASE + DKE + "    jwksRefresh: PT1M\n    jwksMinRefreshGap: PT2M\n",
                        "dke.jwt.jwksMinRefreshGap: must be at least"),
                Arguments.of("a cache time too long", BASE + DKE + "  publicKeyCacheTime: P60D\n",
                        "dke.publicKeyCacheTime: must be between"),
                Arguments.of("the gRPC port", BASE + DKE.replace("8445", "9443"), "dke.port: 9443 is already server.port"),
                Arguments.of("the XKS port", BASE + DKE + "xks:\n  port: 8445\n  tls:\n    certificate: pki/dke.pem\n"
                        + "    privateKey: pki/dke.key\n", "dke.port: 8445 is already"),
                Arguments.of("a typo", BASE + DKE + "  serviceURL: https://x\n", "unknown setting(s): dke.serviceURL"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void badSettingsAreNamed(String name, String yaml, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(yaml, Map.of()));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
