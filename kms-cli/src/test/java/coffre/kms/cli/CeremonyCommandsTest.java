package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.CeremonyDocument;
import coffre.kms.v1.CeremonySignature;
import coffre.kms.v1.InitCeremonyRequest;
import coffre.kms.v1.Officer;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.util.JsonFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The init ceremony: prepare, sign by every officer, init; signatures checked with the shared verifier. */
class CeremonyCommandsTest {

    @TempDir
    static Path keys;

    static OfficerKeyFiles.KeyFiles alice;
    static OfficerKeyFiles.KeyFiles bob;
    static OfficerKeyFiles.KeyFiles carol;

    @TempDir
    Path dir;

    private FakeKms server;
    private CliHarness cli;

    @BeforeAll
    static void officers() throws Exception {
        alice = OfficerKeyFiles.generate(keys, "alice.key", "ed25519");
        bob = OfficerKeyFiles.generate(keys, "bob.key", "ecdsa-p256");
        carol = OfficerKeyFiles.generate(keys, "carol.key", "ed25519");
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

    private Path prepare() {
        Path doc = dir.resolve("ceremony.bin");
        CliHarness.Result result = cli.run("ceremony", "prepare",
                "--officer", "alice:Alice Martin:op-a:spiffe://coffre.test/officer/alice:" + alice.pub(),
                "--officer", "bob:Bob Durand:op-a::" + bob.pub(),
                "--officer", "carol:Carol Petit:op-b:spiffe://coffre.test/officer/carol:" + carol.pub(),
                "--threshold", "2", "--min-per-operator", "1", "--out", doc.toString());
        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        return doc;
    }

    private Path sign(Path doc, String officer, OfficerKeyFiles.KeyFiles key) {
        Path sig = dir.resolve(officer + ".sig");
        CliHarness.Result result = cli.run("ceremony", "sign", doc.toString(), "--officer-id", officer,
                "--officer-key", key.key().toString(), "--out", sig.toString());
        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        return sig;
    }

    @Test
    void prepareWritesTheDocumentAndPrintsItsHashAndContents() throws Exception {
        Path doc = prepare();

        byte[] bytes = Files.readAllBytes(doc);
        CeremonyDocument document = CeremonyDocument.parseFrom(bytes);
        assertEquals(List.of("alice", "bob", "carol"), document.getOfficersList().stream().map(Officer::getId).toList());
        assertEquals("spiffe://coffre.test/officer/alice", document.getOfficers(0).getPrincipal());
        assertEquals("", document.getOfficers(1).getPrincipal());
        assertEquals(bob.publicKey(), document.getOfficers(1).getPublicKey());
        assertEquals(2, document.getRule().getThreshold());
        assertEquals(1, document.getRule().getMinPerOperator());
        assertTrue(document.getNonce().matches("[0-9a-f]{32}"), document.getNonce());
    }

    @Test
    void everyOfficersSignatureVerifiesOverTheCeremonyStatementAndInitSendsThemAll() throws Exception {
        Path doc = prepare();
        byte[] bytes = Files.readAllBytes(doc);

        Path a = sign(doc, "alice", alice);
        Path b = sign(doc, "bob", bob);
        Path c = sign(doc, "carol", carol);

        for (var entry : List.of(List.of(a, alice), List.of(b, bob), List.of(c, carol))) {
            CeremonySignature.Builder signature = CeremonySignature.newBuilder();
            JsonFormat.parser().merge(Files.readString((Path) entry.get(0)), signature);
            assertTrue(OfficerKeys.verify(((OfficerKeyFiles.KeyFiles) entry.get(1)).publicKey(), Statements.ceremony(bytes),
                    signature.getSignature().toByteArray()), "signature in " + entry.get(0));
        }

        CliHarness.Result init = cli.run("ceremony", "init", doc.toString(), c.toString(), a.toString(), b.toString());

        assertEquals(ExitCodes.OK, init.exitCode(), init::toString);
        InitCeremonyRequest sent = (InitCeremonyRequest) server.onlyRequest();
        assertEquals(com.google.protobuf.ByteString.copyFrom(bytes), sent.getDocument(), "the exact document bytes");
        assertEquals(List.of("carol", "alice", "bob"), sent.getSignaturesList().stream().map(CeremonySignature::getOfficerId).toList());
        assertTrue(init.out().startsWith("The server is initialised.\n"), init::toString);
        assertTrue(init.out().contains("Rule: 2 approvals from active officers, at least 1 from each operator\n"), init::toString);
    }

    @Test
    void signShowsWhatIsSignedAndChecksTheAnnouncedHash() throws Exception {
        Path doc = prepare();
        String sha256 = HexFormat.of().formatHex(Statements.sha256(Files.readAllBytes(doc)));

        CliHarness.Result ok = cli.run("ceremony", "sign", doc.toString(), "--officer-id", "alice",
                "--officer-key", alice.key().toString(), "--out", dir.resolve("a.sig").toString(), "--expect-sha256", sha256);
        assertEquals(ExitCodes.OK, ok.exitCode(), ok::toString);
        assertTrue(ok.out().contains("SHA-256: " + sha256 + "\n"), ok::toString);
        assertTrue(ok.out().contains(OfficerKeys.fingerprint(carol.publicKey())), ok::toString);

        CliHarness.Result wrongHash = cli.run("ceremony", "sign", doc.toString(), "--officer-id", "alice",
                "--officer-key", alice.key().toString(), "--out", dir.resolve("x.sig").toString(),
                "--expect-sha256", "00".repeat(32));
        assertEquals(ExitCodes.USAGE, wrongHash.exitCode(), wrongHash::toString);
        assertTrue(wrongHash.err().startsWith("error: refusing to sign: the SHA-256 of " + doc + " is " + sha256), wrongHash::toString);
        assertTrue(!Files.exists(dir.resolve("x.sig")));
    }

    @Test
    void signingWithAnotherOfficersKeyIsRefused() throws Exception {
        Path doc = prepare();

        CliHarness.Result result = cli.run("ceremony", "sign", doc.toString(), "--officer-id", "alice",
                "--officer-key", carol.key().toString(), "--out", dir.resolve("a.sig").toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: refusing to sign: the key in " + carol.key()
                + " is not the key the document registers for officer 'alice' (fingerprint "
                + OfficerKeys.fingerprint(alice.publicKey()) + ")"), result::toString);
    }

    @Test
    void initNamesTheMissingSignaturesWithoutCalling() throws Exception {
        Path doc = prepare();
        Path a = sign(doc, "alice", alice);

        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir).run("ceremony", "init", doc.toString(), a.toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: every officer in the document must sign it; missing: bob, carol\n"),
                result::toString);
    }

    @Test
    void initRefusesASignatureOverAnotherDocument() throws Exception {
        Path doc = prepare();
        Path a = sign(doc, "alice", alice);
        Files.delete(doc);
        Path doc2 = prepare(); // same officers, new nonce
        Path b = sign(doc2, "bob", bob);
        Path c = sign(doc2, "carol", carol);

        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .run("ceremony", "init", doc2.toString(), a.toString(), b.toString(), c.toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: signature file " + a + " does not verify: officer 'alice' did not "
                + "sign this document with their registered key\n"), result::toString);
    }

    @Test
    void prepareRefusesARuleTheOfficersCannotMeet() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir).run("ceremony", "prepare",
                "--officer", "alice:Alice:op-a::" + alice.pub(),
                "--officer", "carol:Carol:op-b::" + carol.pub(),
                "--threshold", "2", "--min-per-operator", "2", "--out", dir.resolve("d").toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: --min-per-operator 2 cannot be met: operator 'op-"), result::toString);
        assertTrue(!Files.exists(dir.resolve("d")));
    }

    @Test
    void prepareRefusesTheSameKeyTwice() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir).run("ceremony", "prepare",
                "--officer", "alice:Alice:op-a::" + alice.pub(),
                "--officer", "eve:Eve:op-b::" + alice.pub(),
                "--threshold", "1", "--out", dir.resolve("d").toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: Invalid value for option '--officer': officer 'eve' has the same "
                + "public key as another officer\n"), result::toString);
    }

    @Test
    void statusSaysInPlainWords() {
        CliHarness.Result result = cli.run("ceremony", "status");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals("""
                Initialised:     yes
                Rule:            2 approvals from active officers, at least 1 from each operator
                Active officers: 3
                """, result.out());
    }
}
