package coffre.kms.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The configurations shipped in deploy/ are the ones operators copy: each must pass the server's
 * own configuration check, with its per-node settings and secrets coming from the environment
 * exactly as the systemd unit and the Kubernetes Deployment provide them.
 */
class ShippedConfigurationsTest {
    private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** What the unit's LoadCredential= lines and the Deployment's volumes put in place of real files. */
    private Map<String, String> environment(String nodeId) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("COFFRE_NODE_ID", nodeId);
        for (String setting : List.of("TLS_CERTIFICATE", "TLS_PRIVATE_KEY", "TLS_CLIENT_CA", "HSM_PIN_FILE",
                "STORE_PASSWORD_FILE")) {
            Path file = Files.writeString(dir.resolve(setting.toLowerCase()), "placeholder");
            env.put("COFFRE_" + setting, file.toString());
        }
        return env;
    }

    @Test
    void theSystemdNodeConfigurationIsAValidClusterNode() throws IOException {
        ServerConfig config = new ConfigLoader(environment("site-a-kms-1"))
                .load(DEPLOY.resolve("systemd/coffre.yaml"));
        assertEquals("site-a-kms-1", config.node().id());
        assertEquals(StoreSettings.Type.POSTGRES, config.store().type());
        assertNotNull(config.store().postgres().passwordFile());
        assertEquals("thales-luna", config.hsm().profile());
        assertTrue(config.hsm().operationTimeout().compareTo(config.server().dataPlaneTimeout()) < 0);
        assertFalse(config.server().reflection(), "no reflection in production");
    }

    @Test
    void theKubernetesConfigMapHoldsAValidClusterNode() throws IOException {
        Map<?, ?> configMap = (Map<?, ?>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(DEPLOY.resolve("k8s/configmap.yaml")));
        String yaml = (String) ((Map<?, ?>) configMap.get("data")).get("coffre.yaml");
        Path file = Files.writeString(dir.resolve("coffre.yaml"), yaml);
        ServerConfig config = new ConfigLoader(environment("coffre-7d9f-abcde")).load(file);
        assertEquals("coffre-7d9f-abcde", config.node().id());
        assertEquals("0.0.0.0", config.server().host());
        assertEquals(StoreSettings.Type.POSTGRES, config.store().type());
        assertEquals(Duration.ofSeconds(30), config.store().refreshInterval());
        assertFalse(config.server().reflection(), "no reflection in production");
        assertEquals("0.0.0.0", config.server().healthHost(), "the kubelet probes the pod's address");

        // The Deployment's probes and port are the ConfigMap's health port.
        Map<?, ?> deployment = (Map<?, ?>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(DEPLOY.resolve("k8s/deployment.yaml")));
        Map<?, ?> podSpec = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) deployment.get("spec")).get("template")).get("spec");
        Map<?, ?> container = (Map<?, ?>) ((List<?>) podSpec.get("containers")).get(0);
        for (String probe : List.of("startupProbe", "readinessProbe")) {
            Map<?, ?> grpc = (Map<?, ?>) ((Map<?, ?>) container.get(probe)).get("grpc");
            assertEquals(config.server().healthPort(), grpc.get("port"), probe);
        }
        Map<?, ?> liveness = (Map<?, ?>) ((Map<?, ?>) container.get("livenessProbe")).get("httpGet");
        assertEquals("/livez", liveness.get("path"));
        assertTrue(((List<?>) container.get("ports")).stream().map(p -> (Map<?, ?>) p).anyMatch(p ->
                liveness.get("port").equals(p.get("name")) && config.server().healthPort().equals(p.get("containerPort"))),
                "the liveness probe's named port is the health port");
    }

    @Test
    void theReferenceExampleIsValidAsShipped() throws IOException {
        Map<String, String> env = environment("coffre-1");
        env.remove("COFFRE_STORE_PASSWORD_FILE"); // a single node on H2 has no database password
        ServerConfig config = new ConfigLoader(env).load(DEPLOY.resolve("config/coffre.example.yaml"));
        assertEquals(StoreSettings.Type.H2, config.store().type());
        assertEquals(Duration.ofSeconds(3), config.hsm().operationTimeout(), "the documented default");
        assertFalse(config.server().reflection(), "the documented default");
        assertNull(config.server().healthPort(), "no plaintext port unless asked for");
    }
}
