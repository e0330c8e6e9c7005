package coffre.kms.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.CoffreCli;
import coffre.kms.cli.connection.TlsChannelFactory;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code coffre} CLI end to end: real mTLS, real node, real SoftHSM token. */
class CliAgainstServerIT {
    @TempDir
    static Path dir;
    static TestServer node;
    static Map<String, String> admin;
    static Map<String, String> service;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
        admin = env(node.pki().clientWithUri("cli-admin", TestServer.ADMIN));
        service = env(node.pki().clientWithUri("cli-service", TestServer.SERVICE));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static Map<String, String> env(TestPki.Issued identity) {
        Map<String, String> env = new HashMap<>();
        env.put("COFFRE_ENDPOINT", "127.0.0.1:" + node.server().port());
        env.put("COFFRE_CA_CERT", node.pki().caFile().toString());
        env.put("COFFRE_CERT", identity.certificate().toString());
        env.put("COFFRE_KEY", identity.privateKey().toString());
        env.put("HOME", dir.toString());
        return env;
    }

    record Run(int exit, String out, String err) {
    }

    private static Run coffre(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = CoffreCli.newCommandLine(new TlsChannelFactory(), env, new ByteArrayInputStream(new byte[0]),
                new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static JsonNode json(Run run) throws Exception {
        assertEquals(0, run.exit(), run.toString());
        return JSON.readTree(run.out());
    }

    @Test
    void administratorCreatesAServiceWrapsAndUnwraps() throws Exception {
        JsonNode key = json(coffre(admin, "keys", "create", "--alias", "cli-e2e", "--label", "team=billing", "-o", "json"));
        String id = key.at("/key/id").asText();
        assertTrue(id.startsWith("key-"), key.toString());
        assertEquals("ENABLED", key.at("/key/state").asText());

        String secret = Base64.getEncoder().encodeToString("data key bytes".getBytes());
        JsonNode wrapped = json(coffre(service, "wrap", "--key", "alias/cli-e2e",
                "--context", "tenant=acme", "--plaintext-b64", secret, "-o", "json"));
        String envelope = wrapped.at("/envelope").asText();

        JsonNode opened = json(coffre(service, "unwrap", "--envelope-b64", envelope,
                "--context", "tenant=acme", "-o", "json"));
        assertEquals(secret, opened.at("/plaintext").asText());

        JsonNode dataKey = json(coffre(service, "datakey", "--key", id, "--length", "32", "-o", "json"));
        assertEquals(32, Base64.getDecoder().decode(dataKey.at("/plaintext").asText()).length);

        Run table = coffre(admin, "keys", "list");
        assertEquals(0, table.exit(), table.toString());
        assertTrue(table.out().contains(id) && table.out().contains("cli-e2e"), table.out());
    }

    @Test
    void serverErrorsBecomeOneClearLineAndAStableExitCode() throws Exception {
        JsonNode key = json(coffre(admin, "keys", "create", "-o", "json"));
        String id = key.at("/key/id").asText();
        String envelope = json(coffre(service, "wrap", "--key", id, "--context", "a=b",
                "--plaintext-b64", "AAEC", "-o", "json")).at("/envelope").asText();

        Run wrongContext = coffre(service, "unwrap", "--envelope-b64", envelope, "--context", "a=c");
        assertEquals(64, wrongContext.exit(), wrongContext.toString());
        assertTrue(wrongContext.err().startsWith("error: DECRYPTION_FAILED: "), wrongContext.err());

        assertEquals(0, coffre(admin, "keys", "disable", id).exit());
        Run disabled = coffre(service, "unwrap", "--envelope-b64", envelope, "--context", "a=b");
        assertEquals(68, disabled.exit(), disabled.toString());
        assertTrue(disabled.err().startsWith("error: KEY_DISABLED: "), disabled.err());

        Run denied = coffre(service, "keys", "enable", id);
        assertEquals(67, denied.exit(), denied.toString());
        assertTrue(denied.err().startsWith("error: PERMISSION_DENIED: "), denied.err());

        Run missing = coffre(admin, "keys", "show", "alias/does-not-exist");
        assertEquals(65, missing.exit(), missing.toString());
        assertTrue(missing.err().startsWith("error: KEY_NOT_FOUND: "), missing.err());

        Run window = coffre(admin, "keys", "schedule-deletion", id, "--days", "7");
        assertEquals(0, window.exit(), window.toString());
        Run cancel = coffre(admin, "keys", "cancel-deletion", id, "-o", "json");
        assertEquals("DISABLED", json(cancel).at("/key/state").asText());
    }

    @Test
    void untrustedServerIsRefusedBeforeAnyRequest() {
        TestPki other = TestPki.create(dir.resolve("other-ca"), "other");
        Map<String, String> env = new HashMap<>(admin);
        env.put("COFFRE_CA_CERT", other.caFile().toString());
        Run run = coffre(env, "keys", "list");
        assertEquals(69, run.exit(), run.toString());
        assertTrue(run.err().startsWith("error: "), run.err());
    }
}
