package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.GrantOperation;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.OfficerOperation;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.Operation;
import coffre.kms.v1.RevokeGrantRequest;
import coffre.kms.v1.SuspendOfficerRequest;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The narrowing commands act at once on one officer's act-now signature over the exact operation. */
class ActNowCommandsTest {

    private static final String KEY_ID = FakeKms.KEY.getId();

    @TempDir
    static Path keys;

    static OfficerKeyFiles.KeyFiles alice;
    static OfficerKeyFiles.KeyFiles bob;

    @TempDir
    Path dir;

    private FakeKms server;
    private CliHarness cli;

    @BeforeAll
    static void officers() throws Exception {
        alice = OfficerKeyFiles.generate(keys, "alice.key", "ed25519");
        bob = OfficerKeyFiles.generate(keys, "bob.key", "ecdsa-p256");
    }

    @BeforeEach
    void start() throws Exception {
        server = new FakeKms();
        cli = OfficerKeyFiles.withPassphrase(new CliHarness(server.channels(), dir));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static void assertActNow(OfficerKeyFiles.KeyFiles key, String officer, Operation operation, OfficerSignature signature) {
        assertEquals(officer, signature.getOfficerId());
        assertTrue(OfficerKeys.verify(key.publicKey(), Statements.actNow(operation, signature.getSignedTime()),
                signature.getSignature().toByteArray()), "act-now signature over " + operation);
    }

    @Test
    void disableSignsTheDisableOperationAndActsAtOnce() {
        CliHarness.Result result = cli.run("keys", "disable", KEY_ID, "--officer-id", "alice", "--officer-key", alice.key().toString());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        DisableKeyRequest sent = (DisableKeyRequest) server.onlyRequest();
        assertEquals(KEY_ID, sent.getKeyId());
        assertActNow(alice, "alice", Operation.newBuilder().setDisableKey(KeyOperation.newBuilder().setKeyId(KEY_ID)).build(),
                sent.getSignature());
        assertFalse(OfficerKeys.verify(alice.publicKey(), Statements.actNow(Operation.newBuilder()
                        .setDisableKey(KeyOperation.newBuilder().setKeyId("key-other")).build(), sent.getSignature().getSignedTime()),
                sent.getSignature().getSignature().toByteArray()), "the signature is bound to this key");
        assertTrue(result.out().contains("State:           DISABLED\n"), result::toString);
        Instant signed = Instant.ofEpochSecond(sent.getSignature().getSignedTime().getSeconds());
        assertTrue(result.out().startsWith("Key " + KEY_ID + " disabled by officer alice (signed " + signed
                + "); enabling it again needs officers' approval.\nID:"), result::toString);
    }

    @Test
    void disableAsJsonIsTheResponseAlone() throws Exception {
        CliHarness.Result result = cli.run("keys", "disable", KEY_ID, "--officer-id", "alice", "--officer-key",
                alice.key().toString(), "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals("DISABLED", new com.fasterxml.jackson.databind.ObjectMapper().readTree(result.out())
                .at("/key/state").asText(), result::toString);
    }

    @Test
    void disableByAliasSignsForTheResolvedKeyId() {
        CliHarness.Result result = cli.run("keys", "disable", "alias/billing/main", "--officer-id", "bob",
                "--officer-key", bob.key().toString(), "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(GetKeyRequest.newBuilder().setKeyId("alias/billing/main").build(), server.requests().get(0));
        DisableKeyRequest sent = (DisableKeyRequest) server.requests().get(1);
        assertEquals(KEY_ID, sent.getKeyId());
        assertActNow(bob, "bob", Operation.newBuilder().setDisableKey(KeyOperation.newBuilder().setKeyId(KEY_ID)).build(),
                sent.getSignature());
    }

    @Test
    void revokeSignsTheRevokeOperation() {
        CliHarness.Result result = cli.run("grants", "revoke", FakeKms.GRANT_ID, "--officer-id", "alice",
                "--officer-key", alice.key().toString());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        RevokeGrantRequest sent = (RevokeGrantRequest) server.onlyRequest();
        assertEquals(FakeKms.GRANT_ID, sent.getGrantId());
        assertActNow(alice, "alice", Operation.newBuilder().setRevokeGrant(GrantOperation.newBuilder()
                .setGrantId(FakeKms.GRANT_ID)).build(), sent.getSignature());
        assertTrue(result.out().startsWith("Grant " + FakeKms.GRANT_ID + " revoked by officer alice (signed "),
                result::toString);
        assertTrue(result.out().lines().toList().get(2).endsWith("revoked 2026-02-02T02:40:00Z"), result::toString);
    }

    @Test
    void suspendSignsTheSuspendOperation() {
        CliHarness.Result result = cli.run("officers", "suspend", "carol", "--officer-id", "bob",
                "--officer-key", bob.key().toString());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        SuspendOfficerRequest sent = (SuspendOfficerRequest) server.onlyRequest();
        assertEquals("carol", sent.getOfficerId());
        assertActNow(bob, "bob", Operation.newBuilder().setSuspendOfficer(OfficerOperation.newBuilder()
                .setOfficerId("carol")).build(), sent.getSignature());
        assertTrue(result.out().contains("SUSPENDED"), result::toString);
        assertTrue(result.out().startsWith("Officer carol suspended by officer bob (signed "), result::toString);
        assertTrue(result.out().lines().findFirst().orElseThrow().endsWith("); reinstating them needs officers' approval."),
                result::toString);
    }

    @Test
    void theKeyFileAndPassphraseAreRequiredAndCheckedBeforeConnecting() throws Exception {
        CliHarness offline = new CliHarness(CliHarness.mustNotConnect(), dir);

        CliHarness.Result missing = offline.run("keys", "disable", KEY_ID);
        assertEquals(ExitCodes.USAGE, missing.exitCode(), missing::toString);
        assertTrue(missing.err().startsWith("error: Missing required option: '--officer-id=ID'\n"), missing::toString);
        CliHarness.Result noKey = offline.run("keys", "disable", KEY_ID, "--officer-id", "alice");
        assertEquals(ExitCodes.USAGE, noKey.exitCode(), noKey::toString);
        assertTrue(noKey.err().startsWith("error: Missing required option: '--officer-key=FILE' (or --pkcs11-library, "
                + "--pkcs11-token and --key-label for a key on a PKCS#11 token)\n"), noKey::toString);

        CliHarness.Result noFile = OfficerKeyFiles.withPassphrase(offline).run("grants", "revoke", FakeKms.GRANT_ID,
                "--officer-id", "alice", "--officer-key", dir.resolve("nope.key").toString());
        assertEquals(ExitCodes.LOCAL_FAILURE, noFile.exitCode(), noFile::toString);
        assertEquals("error: cannot read --officer-key " + dir.resolve("nope.key") + ": no such file\n", noFile.err());

        Path passphrase = dir.resolve("pass");
        java.nio.file.Files.writeString(passphrase, OfficerKeyFiles.PASSPHRASE + "\n");
        CliHarness.Result fromFile = new CliHarness(server.channels(), dir).env("COFFRE_OFFICER_PASSPHRASE", "wrong one!")
                .run("officers", "suspend", "carol", "--officer-id", "alice", "--officer-key", alice.key().toString(),
                        "--passphrase-file", passphrase.toString());
        assertEquals(ExitCodes.OK, fromFile.exitCode(), "--passphrase-file wins over the environment: " + fromFile);
        assertEquals(List.of(SuspendOfficerRequest.class), server.requests().stream().map(Object::getClass).toList());
    }
}
