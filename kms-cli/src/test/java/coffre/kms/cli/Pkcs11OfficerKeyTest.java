package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.pkcs11.PinSource;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.EcdsaSignatures;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.CreateKeyOperation;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.Operation;
import coffre.kms.v1.SignatureAlgorithm;
import coffre.kms.v1.VoteRequest;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Officer keys on a PKCS#11 token: {@code officer keygen --pkcs11-*} and signing with
 * {@code --pkcs11-*}, on the real SoftHSM2 test token shared by the build.
 */
class Pkcs11OfficerKeyTest {

    @TempDir
    Path dir;

    private static SoftHsmTestToken token() {
        return SoftHsmTestToken.get();
    }

    private static String uniqueLabel() {
        return "cli-officer-" + UUID.randomUUID().toString().substring(0, 12);
    }

    private static String[] tokenOptions(String label) {
        SoftHsmTestToken t = token();
        return new String[] {"--pkcs11-library", t.library().toString(), "--pkcs11-token", t.label(),
            "--pkcs11-pin-file", t.pinFile().toString(), "--key-label", label};
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String pin() {
        char[] pin = PinSource.fromFile(token().pinFile()).read();
        try {
            return new String(pin);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    private CliHarness.Result keygen(String label, Path pub, String... extra) throws IOException {
        String[] args = concat(new String[] {"officer", "keygen", "--algorithm", "ecdsa-p256", "--out", pub.toString()},
                tokenOptions(label));
        return new CliHarness(CliHarness.mustNotConnect(), dir).run(concat(args, extra));
    }

    private static OfficerPublicKey readPub(Path pub) throws IOException {
        OfficerPublicKey.Builder key = OfficerPublicKey.newBuilder();
        JsonFormat.parser().merge(Files.readString(pub), key);
        return key.build();
    }

    @Test
    void keygenMakesASensitiveNeverExtractableKeyOnTheTokenAndWritesThePublicKeyFile() throws Exception {
        String label = uniqueLabel();
        Path pub = dir.resolve("alice.pub");

        CliHarness.Result result = keygen(label, pub);

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        OfficerPublicKey publicKey = readPub(pub);
        assertEquals(SignatureAlgorithm.ECDSA_P256_SHA256, publicKey.getAlgorithm());
        OfficerKeys.publicKey(publicKey); // a P-256 SubjectPublicKeyInfo
        assertTrue(result.out().contains("Fingerprint: " + OfficerKeys.fingerprint(publicKey) + "\n"), result::toString);
        assertTrue(result.out().contains("on PKCS#11 token '" + token().label() + "' as '" + label + "'"), result::toString);
        String pin = pin();
        assertFalse(result.out().contains(pin) || result.err().contains(pin), "the PIN must never be printed");

        // What an independent PKCS#11 client (OpenSC pkcs11-tool) sees on the token.
        SoftHsmTestToken.ToolObject key = token().pkcs11ToolPrivateKeys().get(label);
        assertTrue(key != null, () -> "no private key labelled " + label + " in " + token().pkcs11ToolPrivateKeys().keySet());
        assertTrue(key.type().startsWith("Private Key Object; EC"), key::toString);
        assertTrue(key.sensitive() && key.alwaysSensitive(), key::toString);
        assertTrue(key.neverExtractable() && !key.extractable(), key::toString);
        assertTrue(key.local(), key::toString);
        assertTrue(key.usage().contains("sign"), key::toString);
        assertFalse(key.usage().contains("decrypt") || key.usage().contains("derive"), key::toString);
    }

    @Test
    void keygenJsonOutputAndRefusals() throws Exception {
        String label = uniqueLabel();
        Path pub = dir.resolve("bob.pub");
        CliHarness.Result result = keygen(label, pub, "-o", "json");
        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertEquals(label, json.get("key_label").asText());
        assertEquals(token().label(), json.get("pkcs11_token").asText());
        assertEquals("ECDSA_P256_SHA256", json.at("/public_key/algorithm").asText());
        assertEquals(OfficerKeys.fingerprint(readPub(pub)), json.get("fingerprint").asText());

        // The same label again: refused, nothing overwritten on the token.
        CliHarness.Result again = keygen(label, dir.resolve("bob2.pub"));
        assertEquals(ExitCodes.USAGE, again.exitCode(), again::toString);
        assertTrue(again.err().contains("already holds an object labelled '" + label + "'"), again::toString);
        assertFalse(Files.exists(dir.resolve("bob2.pub")));

        // An existing --out: refused before anything is made on the token.
        String unused = uniqueLabel();
        CliHarness.Result exists = keygen(unused, pub);
        assertEquals(ExitCodes.LOCAL_FAILURE, exists.exitCode(), exists::toString);
        assertFalse(token().pkcs11ToolPrivateKeys().containsKey(unused));

        // Ed25519 is not available through SunPKCS11.
        CliHarness.Result ed = new CliHarness(CliHarness.mustNotConnect(), dir).run(concat(
                new String[] {"officer", "keygen", "--algorithm", "ed25519", "--out", dir.resolve("ed.pub").toString()},
                tokenOptions(uniqueLabel())));
        assertEquals(ExitCodes.USAGE, ed.exitCode(), ed::toString);
        assertTrue(ed.err().contains("error: --algorithm ed25519 is not available on a PKCS#11 token: the JDK's SunPKCS11 "
                + "provider has no EdDSA; use --algorithm ecdsa-p256"), ed::toString);

        // A passphrase makes no sense for a token key.
        Path passphrase = dir.resolve("pass.txt");
        Files.writeString(passphrase, "a long enough passphrase\n");
        CliHarness.Result both = keygen(uniqueLabel(), dir.resolve("both.pub"), "--passphrase-file", passphrase.toString());
        assertEquals(ExitCodes.USAGE, both.exitCode(), both::toString);
        assertTrue(both.err().contains("error: --passphrase-file and --pkcs11-library, --pkcs11-token, --pkcs11-pin-file, "
                + "--key-label are mutually exclusive"), both::toString);

        // Incomplete options name what is missing.
        CliHarness.Result partial = new CliHarness(CliHarness.mustNotConnect(), dir).run("officer", "keygen",
                "--out", dir.resolve("p.pub").toString(), "--pkcs11-library", token().library().toString());
        assertEquals(ExitCodes.USAGE, partial.exitCode(), partial::toString);
        assertTrue(partial.err().contains("an officer key on a PKCS#11 token needs --pkcs11-library, --pkcs11-token and "
                + "--key-label; missing: --pkcs11-token=LABEL, --key-label=LABEL"), partial::toString);

        // A token that is not there.
        CliHarness.Result noToken = new CliHarness(CliHarness.mustNotConnect(), dir).run("officer", "keygen",
                "--out", dir.resolve("n.pub").toString(), "--pkcs11-library", token().library().toString(),
                "--pkcs11-token", "no-such-token", "--pkcs11-pin-file", token().pinFile().toString(), "--key-label", "x");
        assertEquals(ExitCodes.USAGE, noToken.exitCode(), noToken::toString);
        assertTrue(noToken.err().contains("cannot use PKCS#11 token 'no-such-token'"), noToken::toString);
    }

    @Test
    void aVoteSignedOnTheTokenVerifiesAgainstTheKeygenPublicKey() throws Exception {
        String label = uniqueLabel();
        Path pub = dir.resolve("carol.pub");
        assertEquals(ExitCodes.OK, keygen(label, pub).exitCode());
        OfficerPublicKey publicKey = readPub(pub);

        Operation operation = Operation.newBuilder().setCreateKey(CreateKeyOperation.newBuilder()
                .setAlias("orders")
                .setAccessPolicy(AccessPolicy.newBuilder().addRules(AccessRule.newBuilder()
                        .addPrincipals("spiffe://prod/ns/orders/api").addOperations(DataOperation.WRAP))))
                .build();
        ApprovalRequest request = FakeKms.approvalFor(operation);
        try (FakeKms server = new FakeKms()) {
            server.putApproval(request);
            // The PIN from the environment this time, not from a file.
            SoftHsmTestToken t = token();
            CliHarness.Result result = new CliHarness(server.channels(), dir)
                    .env("COFFRE_OFFICER_PIN", pin())
                    .run("approvals", "approve", FakeKms.REQUEST_ID, "--officer-id", "carol",
                            "--pkcs11-library", t.library().toString(), "--pkcs11-token", t.label(), "--key-label", label);

            assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
            VoteRequest vote = (VoteRequest) server.requests().get(1);
            assertEquals("carol", vote.getOfficerId());
            assertEquals(64, vote.getSignature().size(), "raw r||s (P1363)");
            byte[] statement = Statements.vote(FakeKms.REQUEST_ID, request.getDigest().toByteArray(), Decision.APPROVE,
                    vote.getSignedTime());
            assertTrue(OfficerKeys.verify(publicKey, statement, vote.getSignature().toByteArray()));
            assertFalse(OfficerKeys.verify(publicKey, Statements.vote(FakeKms.REQUEST_ID, request.getDigest().toByteArray(),
                    Decision.REJECT, vote.getSignedTime()), vote.getSignature().toByteArray()));
        }
    }

    @Test
    void signerOptionsAreAKeyFileOrATokenKeyNeverBoth() throws Exception {
        CliHarness cli = new CliHarness(CliHarness.mustNotConnect(), dir);
        CliHarness.Result both = cli.run(concat(new String[] {"approvals", "approve", FakeKms.REQUEST_ID,
            "--officer-id", "alice", "--officer-key", "alice.key"}, tokenOptions("x")));
        assertEquals(ExitCodes.USAGE, both.exitCode(), both::toString);
        assertTrue(both.err().startsWith("error: --officer-key and --pkcs11-library, --pkcs11-token, --pkcs11-pin-file, "
                + "--key-label are mutually exclusive: sign either with a key file (--officer-key, --passphrase-file) "
                + "or with a key on a PKCS#11 token"), both::toString);

        CliHarness.Result passphrase = cli.run("keys", "disable", "key-a", "--officer-id", "alice",
                "--passphrase-file", "p.txt", "--key-label", "x");
        assertEquals(ExitCodes.USAGE, passphrase.exitCode(), passphrase::toString);
        assertTrue(passphrase.err().startsWith("error: --passphrase-file and --key-label are mutually exclusive"), passphrase::toString);

        CliHarness.Result neither = cli.run("approvals", "approve", FakeKms.REQUEST_ID, "--officer-id", "alice");
        assertEquals(ExitCodes.USAGE, neither.exitCode(), neither::toString);
        assertTrue(neither.err().contains("Missing required option: '--officer-key=FILE' (or --pkcs11-library, "
                + "--pkcs11-token and --key-label for a key on a PKCS#11 token)"), neither::toString);

        CliHarness.Result noPin = cli.run("approvals", "approve", FakeKms.REQUEST_ID, "--officer-id", "alice",
                "--pkcs11-library", token().library().toString(), "--pkcs11-token", token().label(), "--key-label", "x");
        assertEquals(ExitCodes.USAGE, noPin.exitCode(), noPin::toString);
        assertTrue(noPin.err().contains("no PIN for PKCS#11 token '" + token().label()
                + "': give --pkcs11-pin-file FILE or set COFFRE_OFFICER_PIN"), noPin::toString);

        CliHarness.Result unknownKey = cli.run(concat(new String[] {"approvals", "approve", FakeKms.REQUEST_ID,
            "--officer-id", "alice"}, tokenOptions(uniqueLabel())));
        assertEquals(ExitCodes.USAGE, unknownKey.exitCode(), unknownKey::toString);
        assertTrue(unknownKey.err().contains("has no private key labelled"), unknownKey::toString);
    }

    /**
     * A wrong PIN, in a fresh JVM: PKCS#11 login state belongs to the process, and this test JVM is
     * already logged in to the shared token, so only a new process checks the PIN (as every real
     * {@code coffre} run does).
     */
    @Test
    void aWrongPinIsAUsageErrorAndMakesNothing() throws Exception {
        Path wrongPin = dir.resolve("wrong.pin");
        Files.writeString(wrongPin, "not-the-pin-" + UUID.randomUUID() + "\n");
        String label = uniqueLabel();
        Path pub = dir.resolve("dave.pub");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), CoffreCli.class.getName(),
                "officer", "keygen", "--out", pub.toString(),
                "--pkcs11-library", token().library().toString(), "--pkcs11-token", token().label(),
                "--pkcs11-pin-file", wrongPin.toString(), "--key-label", label));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SOFTHSM2_CONF", token().confPath().toString());
        Process process = pb.start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));

        assertEquals(ExitCodes.USAGE, process.exitValue(), () -> out + err);
        assertTrue(err.contains("error: PKCS#11 token '" + token().label() + "' refused the PIN from --pkcs11-pin-file "
                + wrongPin + " (CKR_PIN_INCORRECT); nothing was signed or created"), err);
        assertFalse(err.contains(Files.readString(wrongPin).strip()), "the PIN must never be printed");
        assertFalse(Files.exists(pub));
        assertFalse(token().pkcs11ToolPrivateKeys().containsKey(label));
    }

    @Test
    void derSignaturesConvertToRawRAndS() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        OfficerPublicKey publicKey = OfficerPublicKey.newBuilder().setAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256)
                .setSpkiDer(com.google.protobuf.ByteString.copyFrom(pair.getPublic().getEncoded())).build();
        // Enough signatures that some have an r or s shorter than 32 bytes or with a 0x00 sign byte.
        for (int i = 0; i < 300; i++) {
            byte[] statement = ("statement " + i).getBytes(StandardCharsets.UTF_8);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(pair.getPrivate());
            signer.update(statement);
            byte[] raw = EcdsaSignatures.derToP1363(signer.sign(), 32);
            assertEquals(64, raw.length);
            assertTrue(OfficerKeys.verify(publicKey, statement, raw), "signature " + i);
        }
        byte[] der = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02};
        byte[] expected = new byte[64];
        expected[31] = 1;
        expected[63] = 2;
        assertArrayEquals(expected, EcdsaSignatures.derToP1363(der, 32));
    }
}
