package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.client.TlsChannelFactory;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.ErrorReason;
import coffre.kms.v1.GetKeyRequest;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production channel over several endpoints, against fake nodes on loopback ports with mutual
 * TLS: calls go on when a node is down, each node's certificate is checked against its own host
 * name, calls that are safe to repeat are retried on another node after UNAVAILABLE, and requests
 * for changes are not.
 */
class FailoverTest {

    @TempDir
    static Path dir;

    private static TestPki ca;
    private static TestPki.Leaf byName;
    private static TestPki.Leaf byIp;
    private static TestPki.Leaf client;

    private FakeKms first;
    private FakeKms second;

    @BeforeAll
    static void pki() throws Exception {
        ca = TestPki.newCa(dir, "coffre-failover-ca");
        // Each node's certificate is valid for one name only, as nodes with their own DNS names are.
        byName = ca.issue("node-localhost", "dns:localhost");
        byIp = ca.issue("node-ip", "ip:127.0.0.1");
        client = ca.issue("client", "uri:spiffe://test/ns/cli/sa/admin");
    }

    @AfterEach
    void stop() {
        for (FakeKms node : new FakeKms[] {first, second}) {
            if (node != null) {
                node.close();
            }
        }
    }

    private CliHarness.Result run(String endpoints, String... args) throws Exception {
        return new CliHarness(new TlsChannelFactory(), dir)
                .env("COFFRE_ENDPOINT", endpoints)
                .env("COFFRE_CA_CERT", ca.caCert().toString())
                .env("COFFRE_CERT", client.cert().toString())
                .env("COFFRE_KEY", client.key().toString())
                .env("COFFRE_TIMEOUT", "20")
                .run(args);
    }

    /** A port where nothing listens any more: a node that was killed. */
    private static int deadPort() throws Exception {
        return deadPorts()[0];
    }

    /** Two distinct such ports (both bound at once, then both closed). */
    private static int[] deadPorts() throws Exception {
        try (FakeKms a = FakeKms.overMutualTls(byIp, ca.caCert()); FakeKms b = FakeKms.overMutualTls(byIp, ca.caCert())) {
            return new int[] {a.port(), b.port()};
        }
    }

    @Test
    void callsSucceedWhileOneOfTwoNodesIsDown() throws Exception {
        first = FakeKms.overMutualTls(byIp, ca.caCert());
        int dead = deadPort();

        for (String endpoints : new String[] {"127.0.0.1:" + dead + ",127.0.0.1:" + first.port(),
                "127.0.0.1:" + first.port() + ",127.0.0.1:" + dead}) {
            for (int i = 0; i < 3; i++) {
                CliHarness.Result result = run(endpoints, "keys", "show", FakeKms.KEY.getId());
                assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
            }
        }
        assertEquals(6, first.requests().size());
    }

    @Test
    void eachNodeIsCheckedAgainstTheHostItIsListedUnder() throws Exception {
        // Certificates for "localhost" only and for 127.0.0.1 only: one authority for both nodes
        // would fail the handshake with one of them.
        first = FakeKms.overMutualTls(byName, ca.caCert());
        second = FakeKms.overMutualTls(byIp, ca.caCert());
        int dead = deadPort();
        String byNameOnly = "localhost:" + first.port() + ",127.0.0.1:" + dead;
        String byIpOnly = "localhost:" + dead + ",127.0.0.1:" + second.port();

        CliHarness.Result viaName = run(byNameOnly, "keys", "show", FakeKms.KEY.getId());
        CliHarness.Result viaIp = run(byIpOnly, "keys", "show", FakeKms.KEY.getId());

        assertEquals(ExitCodes.OK, viaName.exitCode(), viaName::toString);
        assertEquals(ExitCodes.OK, viaIp.exitCode(), viaIp::toString);
        assertEquals(1, first.requests().size());
        assertEquals(1, second.requests().size());
    }

    @Test
    void anAuthorityOverrideAppliesToEveryNode() throws Exception {
        first = FakeKms.overMutualTls(byName, ca.caCert());
        second = FakeKms.overMutualTls(byName, ca.caCert());
        String endpoints = "127.0.0.1:" + first.port() + ",127.0.0.1:" + second.port();

        CliHarness.Result withoutOverride = run(endpoints, "keys", "show", FakeKms.KEY.getId());
        CliHarness.Result withOverride = run(endpoints, "keys", "show", FakeKms.KEY.getId(), "--authority", "localhost");

        assertEquals(ExitCodes.UNAVAILABLE, withoutOverride.exitCode(), withoutOverride::toString);
        assertEquals(ExitCodes.OK, withOverride.exitCode(), withOverride::toString);
    }

    @Test
    void aReadIsRetriedAfterUnavailable() throws Exception {
        first = FakeKms.overMutualTls(byIp, ca.caCert());
        second = FakeKms.overMutualTls(byIp, ca.caCert());
        first.failNext(FakeKms.richError(Status.Code.UNAVAILABLE, ErrorReason.STORE_UNAVAILABLE, "db down", Map.of()));
        second.failNext(FakeKms.richError(Status.Code.UNAVAILABLE, ErrorReason.STORE_UNAVAILABLE, "db down", Map.of()));

        CliHarness.Result result = run("127.0.0.1:" + first.port() + ",127.0.0.1:" + second.port(),
                "keys", "show", FakeKms.KEY.getId());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        int attempts = first.requests().size() + second.requests().size();
        assertTrue(attempts >= 2 && attempts <= 3, "attempts: " + attempts);
        assertTrue(Stream.concat(first.requests().stream(), second.requests().stream())
                .allMatch(GetKeyRequest.class::isInstance));
    }

    @Test
    void aRequestForAChangeIsNotRetried() throws Exception {
        first = FakeKms.overMutualTls(byIp, ca.caCert());
        second = FakeKms.overMutualTls(byIp, ca.caCert());
        first.failNext(FakeKms.richError(Status.Code.UNAVAILABLE, ErrorReason.AUDIT_UNAVAILABLE, "audit down", Map.of()));
        second.failNext(FakeKms.richError(Status.Code.UNAVAILABLE, ErrorReason.AUDIT_UNAVAILABLE, "audit down", Map.of()));

        CliHarness.Result result = run("127.0.0.1:" + first.port() + ",127.0.0.1:" + second.port(),
                "keys", "create", "--alias", "orders");

        assertEquals(ExitCodes.UNAVAILABLE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: AUDIT_UNAVAILABLE: "), result::toString);
        assertEquals(1, first.requests().size() + second.requests().size(),
                "a second CreateKey could make a second approval request");
        assertTrue(Stream.concat(first.requests().stream(), second.requests().stream())
                .allMatch(CreateKeyRequest.class::isInstance));
    }

    @Test
    void repeatedAndCommaSeparatedEndpointFlagsMakeOneList() throws Exception {
        try (FakeKms fake = new FakeKms()) {
            CliHarness.Result result = new CliHarness(fake.channels(), dir)
                    .env("COFFRE_ENDPOINT", "ignored:1")
                    .run("keys", "show", FakeKms.KEY.getId(), "--endpoint", "kms-a:7443", "--endpoint", "kms-b:7443,kms-c:7443");

            assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
            assertEquals("kms-a:7443,kms-b:7443,kms-c:7443", fake.openedWith().get(0).endpoints().toString());
        }
    }

    @Test
    void aBadEndpointListIsAUsageErrorBeforeAnyConnection() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .run("keys", "show", FakeKms.KEY.getId(), "--endpoint", "kms-a:7443", "--endpoint", "kms-a:7443");

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().contains("invalid endpoint from --endpoint: 'kms-a:7443' is listed twice in "
                + "'kms-a:7443,kms-a:7443'"), result::toString);
    }

    @Test
    void aDeadlineNamesTheNodeTheCallWentToAndTheNodesItDidNot() throws Exception {
        first = FakeKms.overMutualTls(byIp, ca.caCert());
        first.goSilent();
        int[] dead = deadPorts();
        String endpoints = "127.0.0.1:" + first.port() + ",127.0.0.1:" + dead[0] + ",127.0.0.1:" + dead[1];

        CliHarness.Result result = run(endpoints, "keys", "show", FakeKms.KEY.getId(), "--timeout", "2");

        assertEquals(ExitCodes.UNAVAILABLE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: DEADLINE_EXCEEDED: no answer within 2 s; tried 127.0.0.1:" + first.port()
                + " (no answer); no call went to 127.0.0.1:" + dead[0] + ", 127.0.0.1:" + dead[1]
                + ": check the server or raise --timeout"), result::toString);
    }

    @Test
    void whenEveryNodeIsDownTheErrorNamesThemAll() throws Exception {
        int[] dead = deadPorts();
        String endpoints = "127.0.0.1:" + dead[0] + ",127.0.0.1:" + dead[1];

        CliHarness.Result result = run(endpoints, "keys", "show", FakeKms.KEY.getId());

        assertEquals(ExitCodes.UNAVAILABLE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: UNAVAILABLE: cannot reach or complete the TLS handshake with any of "
                + endpoints.replace(",", ", ") + ": check the endpoint and the certificates"), result::toString);
    }
}
