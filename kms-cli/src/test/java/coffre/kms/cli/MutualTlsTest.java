package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.client.TlsChannelFactory;
import coffre.kms.cli.errors.ExitCodes;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production channel factory against a fake server on a loopback port that requires mutual
 * TLS, with certificates made for this run: the happy path and the three usual handshake
 * failures, each of which must end as the UNAVAILABLE "check endpoint and certificates" line.
 */
class MutualTlsTest {

    @TempDir
    static Path dir;

    private static TestPki ca;
    private static TestPki otherCa;
    private static TestPki.Leaf client;
    private static TestPki.Leaf strangerClient;
    private static FakeKms server;

    @BeforeAll
    static void pkiAndServer() throws Exception {
        ca = TestPki.newCa(dir, "coffre-test-ca");
        otherCa = TestPki.newCa(dir, "other-ca");
        TestPki.Leaf serverLeaf = ca.issue("server", "dns:localhost,ip:127.0.0.1");
        client = ca.issue("client", "uri:spiffe://test/ns/cli/sa/officer");
        strangerClient = otherCa.issue("stranger", "uri:spiffe://test/ns/x/sa/y");
        server = FakeKms.overMutualTls(serverLeaf, ca.caCert());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private CliHarness.Result run(Path trust, TestPki.Leaf identity, String... extra) throws Exception {
        CliHarness cli = new CliHarness(new TlsChannelFactory(), dir)
                .env("COFFRE_ENDPOINT", "127.0.0.1:" + server.port())
                .env("COFFRE_CA_CERT", trust.toString())
                .env("COFFRE_CERT", identity.cert().toString())
                .env("COFFRE_KEY", identity.key().toString());
        String[] args = new String[extra.length + 3];
        args[0] = "keys";
        args[1] = "show";
        args[2] = FakeKms.KEY.getId();
        System.arraycopy(extra, 0, args, 3, extra.length);
        return cli.run(args);
    }

    @Test
    void aCallOverMutualTlsSucceeds() throws Exception {
        CliHarness.Result result = run(ca.caCert(), client);

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertTrue(result.out().startsWith("ID:              " + FakeKms.KEY.getId() + "\n"), result::toString);
    }

    @Test
    void theAuthorityOverrideIsCheckedAgainstTheServerCertificate() throws Exception {
        assertEquals(ExitCodes.OK, run(ca.caCert(), client, "--authority", "localhost").exitCode());

        CliHarness.Result wrongName = run(ca.caCert(), client, "--authority", "kms.elsewhere.example");

        assertUnreachable(wrongName);
    }

    @Test
    void aServerSignedByAnotherCaIsRefused() throws Exception {
        assertUnreachable(run(otherCa.caCert(), client));
    }

    @Test
    void aClientCertificateTheServerDoesNotTrustFailsTheHandshake() throws Exception {
        assertUnreachable(run(ca.caCert(), strangerClient));
    }

    private static void assertUnreachable(CliHarness.Result result) {
        assertEquals(ExitCodes.UNAVAILABLE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: UNAVAILABLE: cannot reach or complete the TLS handshake with 127.0.0.1:"
                + server.port() + ": check the endpoint and the certificates"), result::toString);
        assertEquals("", result.out());
    }
}
