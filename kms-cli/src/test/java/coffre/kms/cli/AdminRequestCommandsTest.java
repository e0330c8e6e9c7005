package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.AddOfficerRequest;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.CreateGrantRequest;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.ListGrantsRequest;
import coffre.kms.v1.ListOfficersRequest;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.ReinstateOfficerRequest;
import coffre.kms.v1.RemoveOfficerRequest;
import coffre.kms.v1.SetApprovalPolicyRequest;
import coffre.kms.v1.SetQuorumRuleRequest;
import coffre.kms.v1.signing.OfficerKeys;
import com.google.protobuf.Message;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Grants, officers, quorum and key-policy commands: the request sent and the approval request printed. */
class AdminRequestCommandsTest {

    private static final String KEY_ID = FakeKms.KEY.getId();

    @TempDir
    static Path keys;

    static OfficerKeyFiles.KeyFiles dave;

    @TempDir
    Path dir;

    private FakeKms server;
    private CliHarness cli;

    @BeforeAll
    static void officer() throws Exception {
        dave = OfficerKeyFiles.generate(keys, "dave.key", "ed25519");
    }

    @BeforeEach
    void start() throws Exception {
        server = new FakeKms();
        cli = new CliHarness(server.channels(), dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static Stream<Arguments> commandsAndTheirRequests() {
        return Stream.of(
                Arguments.of(new String[] {"grants", "create", "--key", KEY_ID, "--principal", "spiffe://coffre.test/batch",
                    "--operation", "wrap,unwrap", "--operation", "generate-data-key", "--context", "tenant=acme",
                    "--not-before", "2026-01-01T00:00:00Z", "--not-after", "2026-01-31T19:00:00+01:00"},
                        CreateGrantRequest.newBuilder().setGrant(GrantSpec.newBuilder().setKeyId(KEY_ID)
                                .setPrincipal("spiffe://coffre.test/batch")
                                .addOperations(DataOperation.WRAP).addOperations(DataOperation.UNWRAP)
                                .addOperations(DataOperation.GENERATE_DATA_KEY)
                                .putContextConstraints("tenant", "acme")
                                .setNotBefore(FakeKms.ts(1_767_225_600L)).setNotAfter(FakeKms.ts(1_769_882_400L))).build()),
                Arguments.of(new String[] {"grants", "list"}, ListGrantsRequest.getDefaultInstance()),
                Arguments.of(new String[] {"grants", "list", "--key", "alias/x", "--include-revoked"},
                        ListGrantsRequest.newBuilder().setKeyId("alias/x").setIncludeRevoked(true).build()),
                Arguments.of(new String[] {"keys", "set-approval-policy", KEY_ID, "--require-unwrap-approval", "true"},
                        SetApprovalPolicyRequest.newBuilder().setKeyId(KEY_ID)
                                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(true)).build()),
                Arguments.of(new String[] {"keys", "set-approval-policy", KEY_ID, "--require-unwrap-approval", "false"},
                        SetApprovalPolicyRequest.newBuilder().setKeyId(KEY_ID)
                                .setApprovalPolicy(ApprovalPolicy.getDefaultInstance()).build()),
                Arguments.of(new String[] {"officers", "list"}, ListOfficersRequest.getDefaultInstance()),
                Arguments.of(new String[] {"officers", "remove", "carol"}, RemoveOfficerRequest.newBuilder().setOfficerId("carol").build()),
                Arguments.of(new String[] {"officers", "reinstate", "carol"},
                        ReinstateOfficerRequest.newBuilder().setOfficerId("carol").build()),
                Arguments.of(new String[] {"quorum", "set", "--threshold", "3", "--min-per-operator", "1"},
                        SetQuorumRuleRequest.newBuilder().setRule(QuorumRule.newBuilder().setThreshold(3).setMinPerOperator(1)).build()),
                Arguments.of(new String[] {"quorum", "set", "--threshold", "2"},
                        SetQuorumRuleRequest.newBuilder().setRule(QuorumRule.newBuilder().setThreshold(2)).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandsAndTheirRequests")
    void optionsBecomeTheRequest(String[] args, Message expected) {
        CliHarness.Result result = cli.run(args);

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(expected, server.onlyRequest());
        assertEquals("", result.err());
    }

    @Test
    void grantCreatePrintsWhatOfficersWillApprove() {
        CliHarness.Result result = cli.run("grants", "create", "--key", KEY_ID, "--principal", "spiffe://coffre.test/batch",
                "--operation", "unwrap", "--context", "tenant=acme", "--not-after", "2026-01-31T18:00:00Z");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertTrue(result.out().contains("Operation: Grant principal 'spiffe://coffre.test/batch' the right to UNWRAP with key "
                + "'" + KEY_ID + "', only with encryption context 'tenant=acme', from approval until 2026-01-31T18:00:00Z\n"),
                result::toString);
    }

    @Test
    void officersAddReadsThePublicKeyFileAndShowsItsFingerprint() {
        CliHarness.Result result = cli.run("officers", "add", "--officer",
                "dave:Dave Leroy:op-b:spiffe://coffre.test/officer/dave:" + dave.pub());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        AddOfficerRequest sent = (AddOfficerRequest) server.onlyRequest();
        assertEquals("dave", sent.getOfficer().getId());
        assertEquals("Dave Leroy", sent.getOfficer().getDisplayName());
        assertEquals("op-b", sent.getOfficer().getOperator());
        assertEquals("spiffe://coffre.test/officer/dave", sent.getOfficer().getPrincipal());
        assertEquals(dave.publicKey(), sent.getOfficer().getPublicKey());
        assertTrue(result.out().contains("Operation: Add officer 'dave' ('Dave Leroy', operator 'op-b', API principal "
                + "'spiffe://coffre.test/officer/dave') with ED25519 public key with fingerprint "
                + OfficerKeys.fingerprint(dave.publicKey()) + "\n"), result::toString);
    }

    @Test
    void officersListShowsFingerprintsAndTheRule() {
        CliHarness.Result result = cli.run("officers", "list");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals("""
                ID     NAME          OPERATOR  PRINCIPAL                           STATUS  ALGORITHM  FINGERPRINT
                alice  Alice Martin  op-a      spiffe://coffre.test/officer/alice  ACTIVE  ED25519    %s
                Rule: 2 approvals from active officers, at least 1 from each operator
                """.formatted(OfficerKeys.fingerprint(FakeKms.ALICE.getPublicKey())), result.out());
    }

    @Test
    void grantsListIsATable() {
        CliHarness.Result result = cli.run("grants", "list");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals("""
                ID                              KEY                             PRINCIPAL                   OPERATIONS  \
                CONTEXT      NOT BEFORE  NOT AFTER             STATUS
                grt-abcdefghijklmnopqrstuvwxyz  key-01hzy3k4m5n6p7q8r9s0t1v2w3  spiffe://coffre.test/batch  UNWRAP      \
                tenant=acme  -           2026-05-28T20:26:40Z  active
                """, result.out());
    }
}
