package coffre.kms.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.CoffreCli;
import coffre.kms.client.TlsChannelFactory;
import coffre.kms.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coffre dke keys} end to end against a real node on SoftHSM over mTLS: an RSA decryption
 * key made with the CLI, its DKE key name mapped through the officers' approval (read in plain
 * words), listed, unmapped at once on one officer's signature; bad names and AES keys refused with
 * their reasons.
 */
class DkeCliIT {
    private static final Pattern REQUEST_ID = Pattern.compile("apr-[a-z2-7]{26}");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestServer node;
    static Map<String, String> admin;
    static Path passphrase;

    @BeforeAll
    static void start() throws IOException {
        node = TestServer.startUninitialized(dir);
        admin = new HashMap<>();
        var identity = node.pki().clientWithUri("dke-admin", TestServer.ADMIN);
        admin.put("COFFRE_ENDPOINT", "127.0.0.1:" + node.server().port());
        admin.put("COFFRE_CA_CERT", node.pki().caFile().toString());
        admin.put("COFFRE_CERT", identity.certificate().toString());
        admin.put("COFFRE_KEY", identity.privateKey().toString());
        admin.put("HOME", dir.toString());
        passphrase = dir.resolve("passphrase");
        Files.writeString(passphrase, "correct horse battery staple\n");
        initCeremony();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Run(int exit, String out, String err) {
    }

    private static Run coffre(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = CoffreCli.newCommandLine(new TlsChannelFactory(), admin, new ByteArrayInputStream(new byte[0]),
                new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static Run ok(String... args) {
        Run run = coffre(args);
        assertEquals(0, run.exit(), String.join(" ", args) + " -> " + run);
        return run;
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    private static String[] signer(String officer) {
        return new String[] {"--officer-id", officer, "--officer-key", dir.resolve(officer + ".key").toString(),
                "--passphrase-file", passphrase.toString()};
    }

    /** Alice (op-a) and Carol (op-b) approve the request named in {@code output}. */
    private static void approved(String output) {
        Matcher m = REQUEST_ID.matcher(output);
        assertTrue(m.find(), "no request id in: " + output);
        ok(concat(new String[] {"approvals", "approve", m.group()}, signer("alice")));
        Run done = ok(concat(new String[] {"approvals", "approve", m.group()}, signer("carol")));
        assertTrue(done.out().contains("EXECUTED"), done.out());
    }

    /** Two officers of two operators, their keys made by the CLI, registered by a CLI ceremony. */
    private static void initCeremony() {
        List<String> officers = new ArrayList<>();
        for (String[] o : new String[][] {{"alice", "op-a"}, {"carol", "op-b"}}) {
            ok("officer", "keygen", "--algorithm", "ed25519", "--out", dir.resolve(o[0] + ".key").toString(),
                    "--passphrase-file", passphrase.toString());
            officers.add("--officer");
            officers.add(o[0] + ":Officer " + o[0] + ":" + o[1] + ":spiffe://coffre.test/officer/" + o[0] + ":"
                    + dir.resolve(o[0] + ".key.pub"));
        }
        Path doc = dir.resolve("ceremony.doc");
        ok(concat(concat(new String[] {"ceremony", "prepare"}, officers.toArray(String[]::new)),
                "--threshold", "2", "--min-per-operator", "1", "--out", doc.toString()));
        List<String> sigs = new ArrayList<>();
        for (String officer : List.of("alice", "carol")) {
            Path sig = dir.resolve(officer + ".sig");
            ok(concat(concat(new String[] {"ceremony", "sign", doc.toString()}, signer(officer)), "--out", sig.toString()));
            sigs.add(sig.toString());
        }
        ok(concat(new String[] {"ceremony", "init", doc.toString()}, sigs.toArray(String[]::new)));
    }

    @Test
    void aNameIsMappedThroughTheQuorumListedAndUnmappedAtOnce() throws Exception {
        Path policy = dir.resolve("dke-policy.json");
        Files.writeString(policy, "{\"rules\":[{\"principals\":[\"dke:*@example.eu\"],"
                + "\"operations\":[\"GET_PUBLIC_KEY\",\"DECRYPT\"]}]}");
        approved(ok("keys", "create", "--alias", "dke-finance", "--spec", "RSA_3072", "--usage", "ENCRYPT_DECRYPT",
                "--policy-file", policy.toString()).out());
        Run map = ok("dke", "keys", "map", "--name", "finance", "--key", "alias/dke-finance");
        assertTrue(map.out().contains("Map Double Key Encryption key name 'finance' to key 'key-"), map.out());
        approved(map.out());

        JsonNode mapping = JSON.readTree(ok("dke", "keys", "list", "-o", "json").out()).at("/mappings/0");
        assertEquals("finance", mapping.at("/key_name").asText());
        assertTrue(mapping.at("/key_id").asText().startsWith("key-"), mapping.toString());
        assertTrue(ok("dke", "keys", "list").out().contains("finance"));

        Run unmapped = ok(concat(new String[] {"dke", "keys", "unmap", "--name", "finance"}, signer("alice")));
        assertTrue(unmapped.out().contains("unmapped by officer alice"), unmapped.out());
        assertFalse(ok("dke", "keys", "list").out().contains("finance"));
        Run gone = coffre(concat(new String[] {"dke", "keys", "unmap", "--name", "finance"}, signer("alice")));
        assertEquals(65, gone.exit(), gone.toString());
        assertTrue(gone.err().contains("DKE_KEY_MAPPING_NOT_FOUND"), gone.err());
    }

    @Test
    void badNamesAndKeysGetTheirReason() {
        Run badName = coffre("dke", "keys", "map", "--name", "a/b", "--key", "alias/nowhere");
        assertEquals(64, badName.exit(), badName.toString());
        assertTrue(badName.err().contains("INVALID_DKE_KEY_NAME"), badName.err());
        approved(ok("keys", "create", "--alias", "dke-aes").out());
        Run aes = coffre("dke", "keys", "map", "--name", "aes", "--key", "alias/dke-aes");
        assertNotEquals(0, aes.exit(), aes.toString());
        assertTrue(aes.err().contains("INVALID_KEY_USAGE"), aes.err());
        Run usage = coffre("dke", "keys", "map", "--name", "x");
        assertEquals(2, usage.exit(), "a missing option is a usage error: " + usage);
    }
}
