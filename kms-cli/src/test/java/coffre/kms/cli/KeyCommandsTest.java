package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.CancelKeyDeletionRequest;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.EnableKeyRequest;
import coffre.kms.v1.ErrorReason;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.ListKeysResponse;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.ScheduleKeyDeletionRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code keys} commands run whole against an in-process fake server. */
class KeyCommandsTest {

    private static final String KEY_ID = FakeKms.KEY.getId();

    @TempDir
    Path dir;

    private FakeKms server;
    private CliHarness cli;

    @BeforeEach
    void start() throws Exception {
        server = new FakeKms();
        cli = new CliHarness(server.channels(), dir);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    static Stream<Arguments> commandsAndTheirRequests() {
        return Stream.of(
                Arguments.of(new String[] {"keys", "create"}, CreateKeyRequest.getDefaultInstance()),
                Arguments.of(new String[] {"keys", "create", "--alias", "billing/main", "--description", "Billing data keys",
                    "--label", "team=billing", "--label", "note=a=b", "--label", "empty="},
                        CreateKeyRequest.newBuilder().setAlias("billing/main").setDescription("Billing data keys")
                                .putLabels("team", "billing").putLabels("note", "a=b").putLabels("empty", "").build()),
                Arguments.of(new String[] {"keys", "show", "alias/billing/main"},
                        GetKeyRequest.newBuilder().setKeyId("alias/billing/main").build()),
                Arguments.of(new String[] {"keys", "rotate", KEY_ID}, RotateKeyRequest.newBuilder().setKeyId(KEY_ID).build()),
                Arguments.of(new String[] {"keys", "enable", KEY_ID}, EnableKeyRequest.newBuilder().setKeyId(KEY_ID).build()),
                Arguments.of(new String[] {"keys", "schedule-deletion", KEY_ID},
                        ScheduleKeyDeletionRequest.newBuilder().setKeyId(KEY_ID).build()),
                Arguments.of(new String[] {"keys", "schedule-deletion", KEY_ID, "--days", "7"},
                        ScheduleKeyDeletionRequest.newBuilder().setKeyId(KEY_ID).setPendingWindowDays(7).build()),
                Arguments.of(new String[] {"keys", "cancel-deletion", KEY_ID},
                        CancelKeyDeletionRequest.newBuilder().setKeyId(KEY_ID).build()),
                Arguments.of(new String[] {"keys", "list"}, ListKeysRequest.getDefaultInstance()),
                Arguments.of(new String[] {"keys", "list", "--page-size", "1000", "--page-token", "t1"},
                        ListKeysRequest.newBuilder().setPageSize(1000).setPageToken("t1").build()));
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
    void showPrintsTheDetailedBlock() {
        CliHarness.Result result = cli.run("keys", "show", KEY_ID);

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals("""
                ID:              key-01hzy3k4m5n6p7q8r9s0t1v2w3
                Alias:           billing/main
                Description:     Billing data keys
                State:           ENABLED
                Protection:      HSM
                Primary version: 2
                Labels:          env=prod, team=billing
                Created:         2025-06-15T15:06:40Z
                Updated:         2025-10-09T08:53:20Z
                Versions:
                  VERSION  STATE    CREATED               PRIMARY
                  1        ENABLED  2025-06-15T15:06:40Z
                  2        ENABLED  2025-10-09T08:53:20Z  *
                """, result.out());
    }

    @Test
    void scheduleDeletionPrintsTheApprovalRequestItCreated() {
        CliHarness.Result result = cli.run("keys", "schedule-deletion", KEY_ID, "--days", "30");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        String digest = java.util.HexFormat.of().formatHex(FakeKms.approvalFor(coffre.kms.v1.Operation.newBuilder()
                .setScheduleKeyDeletion(coffre.kms.v1.ScheduleKeyDeletionOperation.newBuilder().setKeyId(KEY_ID)
                        .setPendingWindowDays(30)).build()).getDigest().toByteArray());
        assertEquals("""
                Approval request created: nothing changes until officers approve it.
                ID:        apr-abcdefghijklmnopqrstuvwxyz
                Operation: Schedule key 'key-01hzy3k4m5n6p7q8r9s0t1v2w3' for destruction: refused at once, its HSM \
                material destroyed after 30 days unless the deletion is cancelled
                Digest:    %s (recomputed by coffre; matches the server's)
                State:     PENDING
                Rule:      2 approvals from active officers, at least 1 from each operator
                Expires:   2025-10-10T08:53:20Z
                needs approval: coffre approvals show apr-abcdefghijklmnopqrstuvwxyz
                """.formatted(digest), result.out());
    }

    @Test
    void createWithPolicyFileAndBreakGlassSendsBoth() throws Exception {
        Path policy = dir.resolve("policy.json");
        java.nio.file.Files.writeString(policy, """
                {"rules": [{"principals": ["spiffe://prod/ns/orders/*"], "operations": ["WRAP", "UNWRAP"]}],
                 "required_context": [{"key": "tenant"}]}
                """);

        CliHarness.Result result = cli.run("keys", "create", "--alias", "orders", "--policy-file", policy.toString(),
                "--require-unwrap-approval");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        CreateKeyRequest sent = (CreateKeyRequest) server.onlyRequest();
        assertEquals(List.of("spiffe://prod/ns/orders/*"), sent.getAccessPolicy().getRules(0).getPrincipalsList());
        assertEquals(List.of(coffre.kms.v1.DataOperation.WRAP, coffre.kms.v1.DataOperation.UNWRAP),
                sent.getAccessPolicy().getRules(0).getOperationsList());
        assertEquals("tenant", sent.getAccessPolicy().getRequiredContext(0).getKey());
        assertTrue(sent.getApprovalPolicy().getRequireUnwrapApproval());
        assertTrue(result.out().contains("Operation: Create a key with alias 'orders', access policy: principal "
                + "'spiffe://prod/ns/orders/*' may WRAP, UNWRAP; requires context key 'tenant'; every unwrap needs "
                + "officers' approval (break-glass key)\n"), result::toString);
        assertTrue(result.out().contains("needs approval: coffre approvals show " + FakeKms.REQUEST_ID), result::toString);
    }

    @Test
    void createAsJsonIsTheResponseWithTheApprovalRequest() throws Exception {
        CliHarness.Result result = cli.run("keys", "create", "--alias", "orders", "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        JsonNode request = new ObjectMapper().readTree(result.out()).get("approval_request");
        assertEquals(FakeKms.REQUEST_ID, request.get("id").asText());
        assertEquals("PENDING", request.get("state").asText());
    }

    @Test
    void badPolicyFileIsAUsageErrorBeforeConnecting() throws Exception {
        Path policy = dir.resolve("policy.json");
        java.nio.file.Files.writeString(policy, "{\"rules\": [{\"principals\": [\"a\"], \"operations\": [\"ENCRYPT\"]}]}");

        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .run("keys", "set-policy", KEY_ID, "--policy-file", policy.toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: Invalid value for option '--policy-file': " + policy
                + " is not a JSON AccessPolicy: "), result::toString);
    }

    @Test
    void showAsJsonIsTheResponseWithProtoFieldNames() throws Exception {
        CliHarness.Result result = cli.run("keys", "show", KEY_ID, "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        JsonNode key = new ObjectMapper().readTree(result.out()).get("key");
        assertEquals(KEY_ID, key.get("id").asText());
        assertEquals("ENABLED", key.get("state").asText());
        assertEquals(2, key.get("primary_version").asInt());
        assertEquals("2025-06-15T15:06:40Z", key.get("create_time").asText());
        assertEquals("KEY_VERSION_ENABLED", key.get("versions").get(1).get("state").asText());
        assertEquals("prod", key.get("labels").get("env").asText());
    }

    @Test
    void listPrintsOnePageAndPointsToTheNextOnStderr() {
        server.addPage(ListKeysResponse.newBuilder().addKeys(FakeKms.KEY).setNextPageToken("page-2").build());

        CliHarness.Result result = cli.run("keys", "list");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals("""
                ID                              ALIAS         STATE    PRIMARY  VERSIONS  CREATED
                key-01hzy3k4m5n6p7q8r9s0t1v2w3  billing/main  ENABLED  2        2         2025-06-15T15:06:40Z
                """, result.out());
        assertEquals("More keys: --page-token page-2 (or --all)\n", result.err());
    }

    @Test
    void listAllFollowsPageTokens() throws Exception {
        server.addPage(ListKeysResponse.newBuilder().addKeys(FakeKms.KEY).setNextPageToken("p2").build());
        server.addPage(ListKeysResponse.newBuilder().addKeys(FakeKms.KEY.toBuilder().setId("key-2")).setNextPageToken("p3").build());
        server.addPage(ListKeysResponse.newBuilder().addKeys(FakeKms.KEY.toBuilder().setId("key-3")).build());

        CliHarness.Result result = cli.run("keys", "list", "--all", "--page-size", "1", "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(List.of("", "p2", "p3"),
                server.requests().stream().map(r -> ((ListKeysRequest) r).getPageToken()).toList());
        assertTrue(server.requests().stream().allMatch(r -> ((ListKeysRequest) r).getPageSize() == 1));
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertEquals(3, json.get("keys").size());
        assertEquals("key-3", json.get("keys").get(2).get("id").asText());
        assertEquals("", json.get("next_page_token").asText(), "the combined result has no next page");
    }

    @Test
    void listAllStopsWhenTheServerRepeatsAToken() {
        server.addPage(ListKeysResponse.newBuilder().setNextPageToken("same").build());
        server.addPage(ListKeysResponse.newBuilder().setNextPageToken("same").build());

        CliHarness.Result result = cli.run("keys", "list", "--all");

        assertEquals(ExitCodes.LOCAL_FAILURE, result.exitCode(), result::toString);
        assertEquals("error: the server returned page token 'same' twice; stopped listing\n", result.err());
        assertEquals(2, server.requests().size());
    }

    @Test
    void keyNotFoundIsExplainedWithTheServerMessage() {
        server.failNext(FakeKms.richError(Status.Code.NOT_FOUND, ErrorReason.KEY_NOT_FOUND, "no key alias/nope", Map.of()));

        CliHarness.Result result = cli.run("keys", "show", "alias/nope");

        assertEquals(ExitCodes.NOT_FOUND, result.exitCode(), result::toString);
        assertEquals("error: KEY_NOT_FOUND: no key has this id or alias (no key alias/nope)\n", result.err());
        assertEquals("", result.out());
    }

    @Test
    void aliasTakenIsAConflict() {
        server.failNext(FakeKms.richError(Status.Code.ALREADY_EXISTS, ErrorReason.ALIAS_ALREADY_EXISTS,
                "alias billing/main is taken", Map.of("field", "alias")));

        CliHarness.Result result = cli.run("keys", "create", "--alias", "billing/main");

        assertEquals(ExitCodes.CONFLICT, result.exitCode(), result::toString);
        assertEquals("error: ALIAS_ALREADY_EXISTS: another key already uses this alias [field=alias] "
                + "(alias billing/main is taken)\n", result.err());
    }

    @Test
    void cancellingAKeyThatIsNotPendingIsAFailedPrecondition() {
        server.failNext(FakeKms.richError(Status.Code.FAILED_PRECONDITION, ErrorReason.KEY_NOT_PENDING_DELETION, "", Map.of()));

        CliHarness.Result result = cli.run("keys", "cancel-deletion", KEY_ID);

        assertEquals(ExitCodes.FAILED_PRECONDITION, result.exitCode(), result::toString);
        assertEquals("error: KEY_NOT_PENDING_DELETION: the key is not scheduled for deletion, so there is nothing to cancel\n",
                result.err());
    }

    @Test
    void permissionDeniedIsDenied() {
        server.failNext(FakeKms.richError(Status.Code.PERMISSION_DENIED, ErrorReason.PERMISSION_DENIED,
                "spiffe://cloud.example/ns/x may not RotateKey", Map.of()));

        CliHarness.Result result = cli.run("keys", "rotate", KEY_ID);

        assertEquals(ExitCodes.DENIED, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: PERMISSION_DENIED: "), result::toString);
    }
}
