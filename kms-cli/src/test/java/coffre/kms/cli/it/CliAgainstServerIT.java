package coffre.kms.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.CoffreCli;
import coffre.kms.client.TlsChannelFactory;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code coffre} CLI end to end against a real node on a real SoftHSM token over real mTLS:
 * officers make their keys and run the init ceremony with the CLI, approve requests with it, and a
 * service goes through a break-glass unwrap with it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliAgainstServerIT {
    private static final Pattern REQUEST_ID = Pattern.compile("apr-[a-z2-7]{26}");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestServer node;
    static Map<String, String> admin;
    static Map<String, String> service;
    static Path passphrase;

    @BeforeAll
    static void start() throws Exception {
        node = TestServer.startUninitialized(dir);
        admin = env(node.pki().clientWithUri("cli-admin", TestServer.ADMIN));
        service = env(node.pki().clientWithUri("cli-service", TestServer.SERVICE));
        passphrase = dir.resolve("passphrase");
        Files.writeString(passphrase, "correct horse battery staple\n");
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

    private static Run ok(Map<String, String> env, String... args) {
        Run run = coffre(env, args);
        assertEquals(0, run.exit(), String.join(" ", args) + " -> " + run);
        return run;
    }

    private static JsonNode json(Run run) throws Exception {
        return JSON.readTree(run.out());
    }

    private static String requestId(String text) {
        Matcher m = REQUEST_ID.matcher(text);
        assertTrue(m.find(), "no approval request id in: " + text);
        return m.group();
    }

    private static String[] signer(String officer) {
        return new String[] {"--officer-id", officer, "--officer-key", dir.resolve(officer + ".key").toString(),
                "--passphrase-file", passphrase.toString()};
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    private static Run approve(String requestId, String officer) {
        return ok(admin, concat(new String[] {"approvals", "approve", requestId}, signer(officer)));
    }

    @Test
    @Order(1)
    void officersMakeTheirKeysAndRunTheInitCeremony() {
        List<String> officers = new ArrayList<>();
        for (String[] o : new String[][] {{"alice", "ed25519", "op-a"}, {"bob", "ecdsa-p256", "op-a"}, {"carol", "ed25519", "op-b"}}) {
            Run keygen = ok(admin, "officer", "keygen", "--algorithm", o[1], "--out", dir.resolve(o[0] + ".key").toString(),
                    "--passphrase-file", passphrase.toString());
            assertTrue(keygen.out().toLowerCase().contains("fingerprint"), keygen.out());
            officers.add("--officer");
            officers.add(o[0] + ":Officer " + o[0] + ":" + o[2] + ":spiffe://coffre.test/officer/" + o[0] + ":"
                    + dir.resolve(o[0] + ".key.pub"));
        }
        Path doc = dir.resolve("ceremony.doc");
        ok(admin, concat(concat(new String[] {"ceremony", "prepare"}, officers.toArray(String[]::new)),
                "--threshold", "2", "--min-per-operator", "1", "--out", doc.toString()));
        List<String> sigs = new ArrayList<>();
        for (String officer : List.of("alice", "bob", "carol")) {
            Path sig = dir.resolve(officer + ".sig");
            ok(admin, concat(concat(new String[] {"ceremony", "sign", doc.toString()}, signer(officer)), "--out", sig.toString()));
            sigs.add(sig.toString());
        }
        Run refused = coffre(admin, "keys", "create");
        assertTrue(refused.err().contains("NOT_INITIALIZED"), refused.toString());
        ok(admin, concat(new String[] {"ceremony", "init", doc.toString()}, sigs.toArray(String[]::new)));
        Run status = ok(admin, "ceremony", "status");
        assertTrue(status.out().toLowerCase().contains("initiali"), status.out());
    }

    @Test
    @Order(2)
    void aKeyIsCreatedOnlyOnceTwoOfficersFromBothOperatorsApprove() throws Exception {
        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, "{\"rules\": [{\"principals\": [\"spiffe://coffre.test/service/*\"],"
                + " \"operations\": [\"WRAP\", \"UNWRAP\", \"GENERATE_DATA_KEY\"]}]}");
        Run created = ok(admin, "keys", "create", "--alias", "orders", "--policy-file", policy.toString());
        String id = requestId(created.out());
        assertTrue(created.out().contains("needs approval"), created.out());

        Run show = ok(admin, "approvals", "show", id);
        assertTrue(show.out().contains("orders"), show.out());
        approve(id, "alice");
        Run shown = coffre(service, "datakey", "--key", "alias/orders");
        // No key before the quorum; a data-plane caller cannot tell a missing key from one it may not
        // use (issue 18: no alias enumeration), so it is PERMISSION_DENIED, exit 67.
        assertEquals(67, shown.exit(), "no key before the quorum: " + shown);
        assertTrue(shown.err().contains("does not exist or principal"), shown.err());
        Run done = approve(id, "carol");
        assertTrue(done.out().contains("EXECUTED"), done.out());

        Run dataKey = ok(service, "datakey", "--key", "alias/orders", "-o", "json");
        assertEquals(32, Base64.getDecoder().decode(json(dataKey).at("/plaintext").asText()).length);
    }

    @Test
    @Order(3)
    void breakGlassUnwrapThroughTheCli() throws Exception {
        Path policy = dir.resolve("policy.json");
        String id = requestId(ok(admin, "keys", "create", "--alias", "vault", "--policy-file", policy.toString(),
                "--require-unwrap-approval").out());
        approve(id, "bob");
        approve(id, "carol");

        String secret = Base64.getEncoder().encodeToString("the crown jewels".getBytes());
        String envelope = json(ok(service, "wrap", "--key", "alias/vault", "--context", "case=42",
                "--plaintext-b64", secret, "-o", "json")).at("/envelope").asText();

        Run first = coffre(service, "unwrap", "--envelope-b64", envelope, "--context", "case=42");
        assertEquals(68, first.exit(), first.toString());
        assertTrue(first.err().startsWith("error: APPROVAL_REQUIRED: "), first.err());
        String unwrapRequest = requestId(first.err());

        Run review = ok(admin, "approvals", "show", unwrapRequest);
        assertTrue(review.out().contains(TestServer.SERVICE), review.out());
        approve(unwrapRequest, "alice");
        approve(unwrapRequest, "carol");

        Run opened = ok(service, "unwrap", "--envelope-b64", envelope, "--context", "case=42", "-o", "json");
        assertEquals(secret, json(opened).at("/plaintext").asText());
        Run again = coffre(service, "unwrap", "--envelope-b64", envelope, "--context", "case=42");
        assertEquals(68, again.exit(), "the approval covered one unwrap: " + again);
    }

    @Test
    @Order(4)
    void oneOfficerDisablesAKeyAtOnceFromTheCli() throws Exception {
        String envelope = json(ok(service, "wrap", "--key", "alias/orders", "--plaintext-b64", "AAEC", "-o", "json"))
                .at("/envelope").asText();
        ok(admin, concat(new String[] {"keys", "disable", "alias/orders"}, signer("bob")));
        Run refused = coffre(service, "unwrap", "--envelope-b64", envelope);
        assertEquals(68, refused.exit(), refused.toString());
        assertTrue(refused.err().startsWith("error: KEY_DISABLED: "), refused.err());
        Run denied = coffre(service, "keys", "list");
        assertEquals(67, denied.exit(), denied.toString());
    }

    @Test
    @Order(5)
    void untrustedServerIsRefusedBeforeAnyRequest() {
        TestPki other = TestPki.create(dir.resolve("other-ca"), "other");
        Map<String, String> env = new HashMap<>(admin);
        env.put("COFFRE_CA_CERT", other.caFile().toString());
        Run run = coffre(env, "keys", "list");
        assertEquals(69, run.exit(), run.toString());
        assertTrue(run.err().startsWith("error: "), run.err());
    }

    @Test
    @Order(6)
    void theAuditLogIsQueriedTailedExportedAndVerifiedFromTheCli() throws Exception {
        Run query = ok(admin, "audit", "query", "--type", "VOTE", "-o", "json");
        List<String> votes = query.out().lines().toList();
        assertFalse(votes.isEmpty(), "votes were audited");
        for (String line : votes) {
            JsonNode vote = JSON.readTree(line);
            assertEquals("VOTE", vote.at("/type").asText());
            assertTrue(vote.at("/detail").asText().startsWith("officer="), line);
        }
        Run disabled = ok(admin, "audit", "query", "--type", "DISABLE_KEY");
        assertTrue(disabled.out().contains("officer=bob"), disabled.out());

        Run tail = ok(admin, "audit", "tail", "-n", "3", "-o", "json");
        assertEquals(3, tail.out().lines().count(), tail.out());
        assertTrue(tail.out().contains("QUERY_AUDIT"), "the newest events include this test's own queries");

        Run verify = ok(admin, "audit", "verify");
        assertTrue(verify.out().contains("valid"), verify.out());

        Path export = dir.resolve("audit.jsonl");
        ok(admin, "audit", "export", "--out", export.toString());
        Run offline = ok(admin, "audit", "verify-export", export.toString());
        assertTrue(offline.out().contains("valid"), offline.out());

        // One edited line in the export is found and named.
        List<String> lines = new ArrayList<>(Files.readAllLines(export));
        JsonNode fifth = JSON.readTree(lines.get(4));
        lines.set(4, lines.get(4).replace("\"" + fifth.at("/type").asText() + "\"", "\"NODE_STOPPED\""));
        Path edited = dir.resolve("edited.jsonl");
        Files.write(edited, lines);
        Run tampered = coffre(admin, "audit", "verify-export", edited.toString());
        assertEquals(72, tampered.exit(), tampered.toString());
        assertTrue(tampered.out().contains("TAMPERED") && tampered.out().contains("EDITED"), tampered.out());

        Run refused = coffre(service, "audit", "query");
        assertEquals(67, refused.exit(), "clients may not read the audit log: " + refused);
        Run badType = coffre(admin, "audit", "query", "--type", "nonsense");
        assertEquals(64, badType.exit(), badType.toString());
        assertTrue(badType.err().contains("INVALID_AUDIT_QUERY"), badType.err());
    }
}
