package coffre.kms.cli.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.OpenSslCli;
import coffre.hsm.testing.SecretLedger;
import coffre.kms.cli.CoffreCli;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.client.TlsChannelFactory;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.GetApprovalRequestRequest;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coffre keys create --spec}, {@code keys public-key}, {@code decrypt}, {@code sign} and
 * {@code verify} against a real node on SoftHSM, with OpenSSL on the other side: what OpenSSL
 * encrypts to the printed public key decrypts, what {@code sign --out} writes OpenSSL verifies.
 */
class AsymmetricCliIT {
    private static final Pattern REQUEST_ID = Pattern.compile("apr-[a-z2-7]{26}");

    @TempDir
    static Path dir;
    static TestServer node;
    static Map<String, String> admin;
    static Map<String, String> service;

    @BeforeAll
    static void start() throws Exception {
        node = TestServer.start(dir);
        admin = env(node.pki().clientWithUri("cli-admin", TestServer.ADMIN));
        service = env(node.pki().clientWithUri("cli-service", TestServer.SERVICE));
        Files.writeString(dir.resolve("policy.json"), "{\"rules\": [{\"principals\": [\"spiffe://coffre.test/service/*\"],"
                + " \"operations\": [\"DECRYPT\", \"SIGN\", \"VERIFY\", \"GET_PUBLIC_KEY\"]}]}");
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

    /** {@code keys create} with the CLI, approved by two officers; returns the new key id. */
    private static String createKey(String... options) {
        String[] args = new String[options.length + 4];
        args[0] = "keys";
        args[1] = "create";
        System.arraycopy(options, 0, args, 2, options.length);
        args[options.length + 2] = "--policy-file";
        args[options.length + 3] = dir.resolve("policy.json").toString();
        Run created = ok(admin, args);
        Matcher m = REQUEST_ID.matcher(created.out());
        assertTrue(m.find(), created.out());
        ApprovalRequest request = node.adminApprovals().getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                .setRequestId(m.group()).build()).getRequest();
        ApprovalRequest done = node.approve(request);
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.toString());
        return done.getResult();
    }

    @Test
    void whatOpensslEncryptsToThePrintedPublicKeyDecrypts() throws Exception {
        String key = createKey("--spec", "RSA_3072", "--usage", "ENCRYPT_DECRYPT");
        Path pem = dir.resolve("rsa.pem");
        ok(service, "keys", "public-key", key, "--out", pem.toString());
        Run shown = ok(service, "keys", "public-key", key);
        assertTrue(shown.out().contains("Spec:      RSA_3072\nUsage:     ENCRYPT_DECRYPT\n"
                + "Algorithm: RSAES_OAEP_SHA_256\n-----BEGIN PUBLIC KEY-----\n"), shown.out());
        Run details = ok(admin, "keys", "show", key);
        assertTrue(details.out().contains("Key spec:        RSA_3072, ENCRYPT_DECRYPT"), details.out());

        byte[] secret = "a document key, via openssl".getBytes(StandardCharsets.UTF_8);
        SecretLedger.record(secret);
        OpenSslCli openssl = new OpenSslCli(dir);
        Path plain = openssl.write("plain.bin", secret);
        OpenSslCli.Result encrypted = openssl.run("pkeyutl", "-encrypt", "-pubin", "-inkey", pem.toString(),
                "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256",
                "-in", plain.toString(), "-out", "cipher.bin");
        assertTrue(encrypted.ok(), encrypted.output());
        Path out = dir.resolve("decrypted.bin");
        ok(service, "decrypt", "--key", key, "--in", dir.resolve("cipher.bin").toString(), "--out", out.toString());
        assertArrayEquals(secret, Files.readAllBytes(out));
    }

    @Test
    void whatSignWritesOpensslVerifiesAndVerifyExitsByTheAnswer() throws Exception {
        String key = createKey("--spec", "EC_P384");
        Path pem = dir.resolve("p384.pem");
        ok(service, "keys", "public-key", key, "--out", pem.toString());
        Path message = Files.writeString(dir.resolve("order.json"), "{\"pay\": 100}");
        Path signature = dir.resolve("order.sig");
        Run signed = ok(service, "sign", "--key", key, "--in", message.toString(), "--out", signature.toString());
        assertTrue(signed.out().contains("Algorithm: ECDSA_SHA_384"), signed.out());

        OpenSslCli openssl = new OpenSslCli(dir);
        OpenSslCli.Result verified = openssl.run("dgst", "-sha384", "-verify", pem.toString(), "-signature",
                signature.toString(), message.toString());
        assertTrue(verified.ok() && verified.output().contains("Verified OK"), verified.output());

        Run valid = ok(service, "verify", "--key", key, "--in", message.toString(), "--signature-in", signature.toString());
        assertTrue(valid.out().startsWith("Valid:     yes\n"), valid.out());
        Files.writeString(message, "{\"pay\": 1000}");
        Run invalid = coffre(service, "verify", "--key", key, "--in", message.toString(), "--signature-in",
                signature.toString());
        assertEquals(ExitCodes.INVALID_SIGNATURE, invalid.exit(), invalid.toString());
        assertTrue(invalid.out().startsWith("Valid:     no"), invalid.out());

        Run usage = coffre(service, "decrypt", "--key", key, "--ciphertext-b64", "AAAA");
        assertEquals(ExitCodes.FAILED_PRECONDITION, usage.exit(), usage.toString());
        assertTrue(usage.err().startsWith("error: INVALID_KEY_USAGE: "), usage.err());
    }
}
