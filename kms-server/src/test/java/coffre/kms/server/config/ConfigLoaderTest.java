package coffre.kms.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws IOException {
        ConfigFixture.files(dir);
    }

    private static final String VALID = """
            node:
              id: n1
            server:
              host: 127.0.0.1
              port: 9443
            tls:
              certificate: pki/server.pem
              privateKey: pki/server.key
              clientCa: pki/ca.pem
            hsm:
              profile: softhsm2
              tokenLabel: coffre-dev
              pinFile: hsm.pin
              sessions: 3
            store:
              type: h2
              path: data/coffre
            authorization:
              administrators: ["spiffe://coffre.dev/admin"]
              clients: ["spiffe://coffre.dev/service/*", "CN=legacy"]
            keys:
              deletionCheckInterval: PT5M
            """;

    private ServerConfig load(String yaml, Map<String, String> env) throws IOException {
        return ConfigFixture.load(dir, yaml, env);
    }

    private ConfigException failure(String yaml, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> load(yaml, env));
    }

    @Test
    void readsEverySettingAndResolvesPathsAgainstTheFile() throws IOException {
        ServerConfig config = load(VALID, Map.of());
        assertEquals("n1", config.node().id());
        assertEquals(9443, config.server().port());
        assertEquals(dir.resolve("pki/server.pem"), config.tls().certificate());
        assertEquals("coffre-dev", config.hsm().tokenLabel());
        assertNull(config.hsm().slotId());
        assertEquals(dir.resolve("hsm.pin"), config.hsm().pinFile());
        assertEquals(3, config.hsm().sessions());
        assertEquals(dir.resolve("data/coffre"), config.store().path());
        assertEquals(List.of("spiffe://coffre.dev/service/*", "CN=legacy"), config.authorization().clients());
        assertEquals(Duration.ofMinutes(5), config.keys().deletionCheckInterval());
        assertEquals(1024, config.server().maxConcurrentStreams());
        assertEquals(0, config.server().requestsPerSecond(), "no rate limit unless configured");
        assertEquals(Duration.ofHours(24), config.approvals().requestTtl());
        assertEquals(Duration.ofMinutes(15), config.approvals().breakGlassWindow());
    }

    @Test
    void limitsAndApprovalSettingsAreReadAndChecked() throws IOException {
        ServerConfig config = load(VALID, Map.of("COFFRE_SERVER_REQUESTS_PER_SECOND_PER_PRINCIPAL", "500",
                "COFFRE_SERVER_BURST_PER_PRINCIPAL", "1000", "COFFRE_APPROVALS_REQUEST_TTL", "PT2H",
                "COFFRE_AUTHORIZATION_OFFICERS", "spiffe://o/*"));
        assertEquals(500, config.server().requestsPerSecond());
        assertEquals(1000, config.server().burst());
        assertEquals(Duration.ofHours(2), config.approvals().requestTtl());
        assertEquals(List.of("spiffe://o/*"), config.authorization().officers());
        assertTrue(failure(VALID, Map.of("COFFRE_SERVER_MAX_CONCURRENT_STREAMS", "0")).getMessage()
                .startsWith("server.maxConcurrentStreams"));
        assertTrue(failure(VALID, Map.of("COFFRE_APPROVALS_BREAK_GLASS_WINDOW", "-PT1M")).getMessage()
                .startsWith("approvals.breakGlassWindow"));
    }

    @Test
    void reflectionIsOffAndThereIsNoHealthPortUnlessConfigured() throws IOException {
        ServerConfig defaults = load(VALID, Map.of());
        assertFalse(defaults.server().reflection());
        assertNull(defaults.server().healthPort());
        ServerConfig set = load(VALID, Map.of("COFFRE_SERVER_REFLECTION", "true", "COFFRE_SERVER_HEALTH_PORT", "8081",
                "COFFRE_SERVER_HEALTH_HOST", "0.0.0.0"));
        assertTrue(set.server().reflection());
        assertEquals(8081, set.server().healthPort());
        assertEquals("0.0.0.0", set.server().healthHost());
        assertEquals("127.0.0.1", load(VALID, Map.of("COFFRE_SERVER_HEALTH_PORT", "8081")).server().healthHost());
        assertTrue(failure(VALID, Map.of("COFFRE_SERVER_REFLECTION", "yes")).getMessage()
                .startsWith("server.reflection: \"yes\" is not true or false"));
        assertTrue(failure(VALID, Map.of("COFFRE_SERVER_HEALTH_PORT", "70000")).getMessage()
                .startsWith("server.healthPort: 70000 is out of range"));
        assertTrue(failure(VALID, Map.of("COFFRE_SERVER_HEALTH_PORT", "9443")).getMessage()
                .startsWith("server.healthPort: 9443 is server.port"));
        assertTrue(failure(VALID, Map.of("COFFRE_SERVER_HEALTH_HOST", "0.0.0.0")).getMessage()
                .startsWith("server.healthHost: set only with server.healthPort"));
    }

    @Test
    void environmentOverridesTheFile() throws IOException {
        ServerConfig config = load(VALID, Map.of("COFFRE_SERVER_PORT", "10443", "COFFRE_HSM_SESSIONS", "8",
                "COFFRE_AUTHORIZATION_CLIENTS", "a, b", "COFFRE_NODE_ID", "from-env"));
        assertEquals(10443, config.server().port());
        assertEquals(8, config.hsm().sessions());
        assertEquals(List.of("a", "b"), config.authorization().clients());
        assertEquals("from-env", config.node().id());
    }

    @Test
    void badValuesNameTheSetting() {
        assertTrue(failure(VALID.replace("port: 9443", "port: 70000"), Map.of()).getMessage()
                .startsWith("server.port: 70000 is out of range"));
        assertTrue(failure(VALID.replace("port: 9443", "port: nine"), Map.of()).getMessage()
                .startsWith("server.port: \"nine\" is not an integer"));
        assertTrue(failure(VALID.replace("sessions: 3", "sessions: 0"), Map.of()).getMessage()
                .startsWith("hsm.sessions"));
        assertTrue(failure(VALID.replace("PT5M", "5 minutes"), Map.of()).getMessage()
                .startsWith("keys.deletionCheckInterval"));
        assertTrue(failure(VALID.replace("type: h2", "type: oracle"), Map.of()).getMessage()
                .startsWith("store.type"));
        assertTrue(failure(VALID.replace("pki/ca.pem", "pki/missing.pem"), Map.of()).getMessage()
                .startsWith("tls.clientCa: cannot read file"));
    }

    @Test
    void hsmDeadlinesHaveDefaultsAreReadAndMustFitTheDataPlaneDeadline() throws IOException {
        ServerConfig defaults = load(VALID, Map.of());
        assertEquals(Duration.ofSeconds(3), defaults.hsm().operationTimeout());
        assertEquals(Duration.ofSeconds(5), defaults.hsm().probeInterval());
        assertEquals(Duration.ofSeconds(2), defaults.hsm().reinitInterval());
        ServerConfig set = load(VALID.replace("  sessions: 3", "  sessions: 3\n  operationTimeout: PT1.5S\n"
                + "  probeInterval: PT10S\n  reinitInterval: PT0.5S"), Map.of("COFFRE_HSM_PROBE_INTERVAL", "PT20S"));
        assertEquals(Duration.ofMillis(1500), set.hsm().operationTimeout());
        assertEquals(Duration.ofSeconds(20), set.hsm().probeInterval(), "the environment wins");
        assertEquals(Duration.ofMillis(500), set.hsm().reinitInterval());
        assertTrue(failure(VALID, Map.of("COFFRE_HSM_OPERATION_TIMEOUT", "PT0.001S")).getMessage()
                .startsWith("hsm.operationTimeout must be between"));
        assertTrue(failure(VALID, Map.of("COFFRE_HSM_REINIT_INTERVAL", "PT11M")).getMessage()
                .startsWith("hsm.reinitInterval must be between"));
        assertTrue(failure(VALID, Map.of("COFFRE_HSM_OPERATION_TIMEOUT", "PT5S")).getMessage()
                .startsWith("hsm.operationTimeout (PT5S) must be shorter than server.dataPlaneTimeout (PT5S)"));
        assertEquals(Duration.ofSeconds(5), load(VALID, Map.of("COFFRE_HSM_OPERATION_TIMEOUT", "PT5S",
                "COFFRE_SERVER_DATA_PLANE_TIMEOUT", "PT10S")).hsm().operationTimeout());
    }

    @Test
    void unknownSettingsAreErrors() {
        ConfigException e = failure(VALID.replace("  sessions: 3", "  sessions: 3\n  sesions: 4"), Map.of());
        assertTrue(e.getMessage().startsWith("unknown setting(s): hsm.sesions"), e.getMessage());
    }

    @Test
    void pinMustComeFromExactlyOneSourceAndNeverTheFile() {
        assertTrue(failure(VALID.replace("  pinFile: hsm.pin\n", ""), Map.of()).getMessage()
                .contains("exactly one of hsm.pinEnv"));
        assertTrue(failure(VALID.replace("pinFile: hsm.pin", "pinFile: hsm.pin\n  pinEnv: P"), Map.of())
                .getMessage().contains("exactly one of hsm.pinEnv"));
        assertTrue(failure(VALID.replace("pinFile: hsm.pin", "pinEnv: COFFRE_TEST_PIN"), Map.of())
                .getMessage().startsWith("hsm.pinEnv: environment variable COFFRE_TEST_PIN is not set"));
        assertTrue(failure(VALID.replace("  tokenLabel: coffre-dev\n", ""), Map.of()).getMessage()
                .contains("exactly one of hsm.tokenLabel, hsm.slotId, hsm.slotIndex"));
    }

    private static final String POSTGRES = VALID.replace("""
              type: h2
              path: data/coffre
            """, """
              type: postgres
              url: jdbc:postgresql://127.0.0.1:5432/coffre
              user: coffre
              passwordFile: db.password
            """);

    @Test
    void postgresStoreIsReadWithItsDefaults() throws IOException {
        Files.writeString(dir.resolve("db.password"), "x");
        StoreSettings store = load(POSTGRES, Map.of()).store();
        assertEquals(StoreSettings.Type.POSTGRES, store.type());
        assertNull(store.path());
        assertEquals(new StoreSettings.Postgres("jdbc:postgresql://127.0.0.1:5432/coffre", "coffre",
                dir.resolve("db.password"), null, null, 8, Duration.ofSeconds(3)), store.postgres());
        assertEquals(Duration.ofSeconds(30), store.refreshInterval());

        StoreSettings tuned = load(POSTGRES, Map.of("COFFRE_STORE_SCHEMA", "coffre_a", "COFFRE_STORE_POOL_SIZE", "16",
                "COFFRE_STORE_REFRESH_INTERVAL", "PT5S", "COFFRE_STORE_CONNECTION_TIMEOUT", "PT1S")).store();
        assertEquals("coffre_a", tuned.postgres().schema());
        assertEquals(16, tuned.postgres().poolSize());
        assertEquals(Duration.ofSeconds(1), tuned.postgres().connectionTimeout());
        assertEquals(Duration.ofSeconds(5), tuned.refreshInterval());
    }

    @Test
    void postgresPasswordComesFromExactlyOneSourceAndNeverTheFileOrUrl() throws IOException {
        Files.writeString(dir.resolve("db.password"), "x");
        assertTrue(failure(POSTGRES.replace("  passwordFile: db.password\n", ""), Map.of()).getMessage()
                .startsWith("store: set exactly one of store.passwordFile"));
        assertTrue(failure(POSTGRES.replace("passwordFile: db.password", "passwordFile: db.password\n  passwordEnv: P"),
                Map.of()).getMessage().startsWith("store: set exactly one of store.passwordFile"));
        assertTrue(failure(POSTGRES.replace("passwordFile: db.password", "passwordEnv: COFFRE_TEST_DB_PASSWORD"),
                Map.of()).getMessage().startsWith("store.passwordEnv: environment variable COFFRE_TEST_DB_PASSWORD"));
        assertEquals("COFFRE_TEST_DB_PASSWORD", load(POSTGRES.replace("passwordFile: db.password",
                "passwordEnv: COFFRE_TEST_DB_PASSWORD"), Map.of("COFFRE_TEST_DB_PASSWORD", "x")).store().postgres()
                .passwordEnv());
        assertTrue(failure(POSTGRES.replace("passwordFile: db.password", "passwordFile: missing"), Map.of())
                .getMessage().startsWith("store.passwordFile: cannot read"));
        assertTrue(failure(POSTGRES.replace("/coffre\n", "/coffre?password=x\n"), Map.of()).getMessage()
                .startsWith("store.url: must not hold a password"));
    }

    @Test
    void badPostgresSettingsNameTheSetting() throws IOException {
        Files.writeString(dir.resolve("db.password"), "x");
        assertTrue(failure(POSTGRES.replace("jdbc:postgresql:", "jdbc:mysql:"), Map.of()).getMessage()
                .startsWith("store.url: expected a jdbc:postgresql://"));
        assertTrue(failure(POSTGRES.replace("  user: coffre\n", ""), Map.of()).getMessage()
                .startsWith("store.user: required"));
        assertTrue(failure(POSTGRES, Map.of("COFFRE_STORE_SCHEMA", "Bad-Name")).getMessage()
                .startsWith("store.schema: \"Bad-Name\" is not allowed"));
        assertTrue(failure(POSTGRES, Map.of("COFFRE_STORE_POOL_SIZE", "0")).getMessage()
                .startsWith("store.poolSize: 0 is out of range"));
        assertTrue(failure(POSTGRES, Map.of("COFFRE_STORE_PATH", "data/coffre")).getMessage()
                .startsWith("store.path: applies to store.type h2 only"));
        assertTrue(failure(VALID, Map.of("COFFRE_STORE_URL", "jdbc:postgresql://h/db")).getMessage()
                .startsWith("store.url: applies to store.type postgres only"));
    }

    @Test
    void invalidYamlIsReported() {
        assertTrue(failure("server: [unclosed", Map.of()).getMessage().contains("is not valid YAML"));
    }
}
