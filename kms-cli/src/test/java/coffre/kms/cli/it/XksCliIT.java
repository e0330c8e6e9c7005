package coffre.kms.cli.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.cli.CoffreCli;
import coffre.kms.client.TlsChannelFactory;
import coffre.kms.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coffre xks} end to end against a real node on SoftHSM over mTLS: an administrator asks for
 * a key store and gets its credential once, officers approve with the CLI, the credential is
 * rotated (as the AWS console's file, on stdout and into a private file) and revoked, keys are
 * mapped and unmapped, the store disabled and enabled.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XksCliIT {
    private static final Pattern REQUEST_ID = Pattern.compile("apr-[a-z2-7]{26}");
    private static final Pattern STORE_ID = Pattern.compile("xks-[a-z2-7]{26}");
    private static final Pattern SECRET = Pattern.compile("Secret access key: ([A-Za-z0-9+/]{43}=)");
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("Access key id: +([A-Z2-7]{24})");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestServer node;
    static Map<String, String> admin;
    static Path passphrase;
    static String storeId;
    static String firstAccessKeyId;

    @BeforeAll
    static void start() {
        node = TestServer.startUninitialized(dir);
        admin = new HashMap<>();
        var identity = node.pki().clientWithUri("xks-admin", TestServer.ADMIN);
        admin.put("COFFRE_ENDPOINT", "127.0.0.1:" + node.server().port());
        admin.put("COFFRE_CA_CERT", node.pki().caFile().toString());
        admin.put("COFFRE_CERT", identity.certificate().toString());
        admin.put("COFFRE_KEY", identity.privateKey().toString());
        admin.put("HOME", dir.toString());
        passphrase = dir.resolve("passphrase");
        try {
            Files.writeString(passphrase, "correct horse battery staple\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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

    private static String find(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertTrue(m.find(), pattern + " not in: " + text);
        return m.groupCount() > 0 ? m.group(1) : m.group();
    }

    /** Alice (op-a) and Carol (op-b) approve: "2, at least 1 from each operator" holds. */
    private static void approved(String output) {
        String request = find(REQUEST_ID, output);
        ok(concat(new String[] {"approvals", "approve", request}, signer("alice")));
        Run done = ok(concat(new String[] {"approvals", "approve", request}, signer("carol")));
        assertTrue(done.out().contains("EXECUTED"), done.out());
    }

    /** Two officers of two operators, their keys made by the CLI, registered by a CLI ceremony. */
    private static void initCeremony() {
        List<String> officers = new ArrayList<>();
        for (String[] o : new String[][] {{"alice", "ed25519", "op-a"}, {"carol", "ed25519", "op-b"}}) {
            ok("officer", "keygen", "--algorithm", o[1], "--out", dir.resolve(o[0] + ".key").toString(),
                    "--passphrase-file", passphrase.toString());
            officers.add("--officer");
            officers.add(o[0] + ":Officer " + o[0] + ":" + o[2] + ":spiffe://coffre.test/officer/" + o[0] + ":"
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

    private static byte[] jdkDateKey(String secret, String date) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(("AWS4" + secret).getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        return mac.doFinal(date.getBytes(StandardCharsets.US_ASCII));
    }

    private static String today() {
        return DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC).format(node.now());
    }

    @Test
    @Order(1)
    void createShowsTheRequestAndTheCredentialOnceAndOfficersApproveIt() throws Exception {
        Run created = ok("xks", "stores", "create", "--name", "paris", "--uri-path", "/paris/kms/xks/v1",
                "--region", "eu-west-3");
        String secret = find(SECRET, created.out());
        SecretLedger.record(secret);
        firstAccessKeyId = find(ACCESS_KEY_ID, created.out());
        storeId = find(STORE_ID, created.out());
        assertTrue(created.out().contains("needs approval"), created.out());
        assertTrue(created.out().contains("Create external key store 'paris'"), "the CLI's own reading: " + created.out());
        assertTrue(created.out().contains("/paris/kms/xks/v1"), created.out());
        assertEquals(65, coffre("xks", "stores", "show", "paris").exit(), "no store before the quorum");

        approved(created.out());
        Run shown = ok("xks", "stores", "show", "paris");
        assertTrue(shown.out().contains(storeId) && shown.out().contains("ENABLED"), shown.out());
        assertTrue(shown.out().matches("(?s).*" + firstAccessKeyId + "\\s+ACTIVE.*"), shown.out());
        assertFalse(shown.out().contains(secret), "the secret is shown once, at creation");
        assertTrue(ok("xks", "stores", "list").out().contains("paris"));
        assertArrayEquals(jdkDateKey(secret, today()),
                node.server().keyStores().dateKey(storeId, firstAccessKeyId, today()).orElseThrow());
    }

    @Test
    @Order(2)
    void jsonOutputIsTheAwsConsoleFileAndTheRequestGoesToStderr() throws Exception {
        Run rotated = ok("xks", "stores", "rotate-credentials", "paris", "-o", "json");
        JsonNode file = JSON.readTree(rotated.out());
        String secret = file.at("/XksProxyAuthenticationCredential/RawSecretAccessKey").asText();
        SecretLedger.record(secret);
        assertEquals("/paris/kms/xks/v1", file.at("/XksProxyUriPath").asText());
        assertTrue(file.at("/XksProxyAuthenticationCredential/AccessKeyId").asText().matches("[A-Z2-7]{24}"), rotated.out());
        assertEquals(44, secret.length());
        assertTrue(REQUEST_ID.matcher(rotated.err()).find(), rotated.err());
        approved(rotated.err());
        Run limit = coffre("xks", "stores", "rotate-credentials", "paris");
        assertEquals(68, limit.exit(), limit.toString());
        assertTrue(limit.err().contains("XKS_CREDENTIAL_LIMIT_REACHED"), limit.err());
    }

    @Test
    @Order(3)
    void revokingIsSignedByOneOfficerAndTheCredentialFileIsPrivate() throws Exception {
        Run revoked = ok(concat(new String[] {"xks", "stores", "revoke-credential", "paris",
                "--access-key-id", firstAccessKeyId}, signer("carol")));
        assertTrue(revoked.out().contains("revoked by officer carol"), revoked.out());
        assertTrue(revoked.out().matches("(?s).*" + firstAccessKeyId + "\\s+REVOKED.*"), revoked.out());
        assertTrue(node.server().keyStores().dateKey(storeId, firstAccessKeyId, today()).isEmpty());

        Path file = dir.resolve("xks-credential.json");
        Run rotated = ok("xks", "stores", "rotate-credentials", storeId, "--credential-file", file.toString());
        JsonNode written = JSON.readTree(Files.readString(file));
        String secret = written.at("/XksProxyAuthenticationCredential/RawSecretAccessKey").asText();
        SecretLedger.record(secret);
        assertEquals(44, secret.length());
        assertFalse(rotated.out().contains(secret), "with a file, the secret is not printed");
        assertTrue(rotated.out().contains("written to " + file), rotated.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        int credentials = node.adminXks().getKeyStore(coffre.kms.v1.GetXksKeyStoreRequest.newBuilder()
                .setKeyStoreId(storeId).build()).getKeyStore().getCredentialsCount();
        Run again = coffre("xks", "stores", "rotate-credentials", storeId, "--credential-file", file.toString());
        assertEquals(1, again.exit(), again.toString());
        assertTrue(again.err().contains("never overwrites"), again.err());
        assertEquals(secret, JSON.readTree(Files.readString(file))
                .at("/XksProxyAuthenticationCredential/RawSecretAccessKey").asText(), "the file is untouched");
        assertEquals(credentials, node.adminXks().getKeyStore(coffre.kms.v1.GetXksKeyStoreRequest.newBuilder()
                .setKeyStoreId(storeId).build()).getKeyStore().getCredentialsCount(), "no credential was made");
    }

    @Test
    @Order(4)
    void keysAreMappedThroughTheQuorumAndUnmappedAtOnce() throws Exception {
        Run key = ok("keys", "create", "--alias", "xks-orders");
        approved(key.out());
        Run map = ok("xks", "keys", "map", "--store", "paris", "--external-key-id", "orders-1", "--key", "alias/xks-orders");
        assertTrue(map.out().contains("Map external key id 'orders-1' of external key store '" + storeId + "'"), map.out());
        approved(map.out());
        Run listed = ok("xks", "keys", "list", "--store", "paris", "-o", "json");
        JsonNode mapping = JSON.readTree(listed.out()).at("/mappings/0");
        assertEquals("orders-1", mapping.at("/external_key_id").asText());
        assertTrue(mapping.at("/key_id").asText().startsWith("key-"), listed.out());

        Run unmapped = ok(concat(new String[] {"xks", "keys", "unmap", "--store", "paris", "--external-key-id", "orders-1"},
                signer("alice")));
        assertTrue(unmapped.out().contains("unmapped by officer alice"), unmapped.out());
        assertFalse(ok("xks", "keys", "list", "--store", "paris").out().contains("orders-1"));
        Run gone = coffre(concat(new String[] {"xks", "keys", "unmap", "--store", "paris", "--external-key-id", "orders-1"},
                signer("alice")));
        assertEquals(65, gone.exit(), gone.toString());
        assertTrue(gone.err().contains("XKS_KEY_MAPPING_NOT_FOUND"), gone.err());
    }

    @Test
    @Order(5)
    void oneOfficerDisablesAndTheQuorumEnables() {
        Run disabled = ok(concat(new String[] {"xks", "stores", "disable", "paris"}, signer("alice")));
        assertTrue(disabled.out().contains("disabled by officer alice"), disabled.out());
        assertTrue(disabled.out().contains("State:             DISABLED"), disabled.out());
        Run enable = ok("xks", "stores", "enable", "paris");
        assertTrue(enable.out().contains("Enable external key store '" + storeId + "'"), enable.out());
        approved(enable.out());
        assertTrue(ok("xks", "stores", "show", storeId).out().contains("State:             ENABLED"));
    }

    @Test
    @Order(6)
    void badInputsGetTheirReasonOrAUsageError() {
        Run badName = coffre("xks", "stores", "create", "--name", "Paris", "--uri-path", "/p/kms/xks/v1", "--region", "eu");
        assertEquals(64, badName.exit(), badName.toString());
        assertTrue(badName.err().contains("INVALID_XKS_KEY_STORE"), badName.err());
        Run taken = coffre("xks", "stores", "create", "--name", "other", "--uri-path", "/paris/kms/xks/v1", "--region", "eu");
        assertEquals(66, taken.exit(), taken.toString());
        assertTrue(taken.err().contains("XKS_KEY_STORE_ALREADY_EXISTS"), taken.err());
        Run usage = coffre("xks", "stores", "show", "Not A Name");
        assertEquals(2, usage.exit(), usage.toString());
        Run unknown = coffre("xks", "stores", "show", "nowhere");
        assertEquals(65, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("XKS_KEY_STORE_NOT_FOUND"), unknown.err());
        Run badKeyId = coffre("xks", "keys", "map", "--store", "paris", "--external-key-id", "a/b", "--key", "alias/xks-orders");
        assertEquals(64, badKeyId.exit(), badKeyId.toString());
        assertTrue(badKeyId.err().contains("INVALID_XKS_EXTERNAL_KEY_ID"), badKeyId.err());
    }
}
