package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.testing.ForkedNode;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.WrapRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logging.format: json} on a real node (a process of its own, SoftHSM token, as the launcher
 * starts it): every line it writes, from its start to its stop, is one JSON object with the
 * event's time, level, logger and message; an event logged while a call is served holds the
 * call's {@code request_id}; neither the PIN nor a plaintext appears anywhere.
 */
class JsonLogsIT {
    /** As coffre_base_jvm_args gives every node on JDK 23+: without them the JVM itself writes warnings. */
    private static final List<String> LAUNCHER_JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private TestServer node;
    private ForkedNode forked;

    @AfterEach
    void stop() {
        if (forked != null) {
            forked.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private static ClientInterceptor requestId(String id) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), id);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    @Test
    void everyLineIsAJsonEventAndACallsEventsCarryItsRequestId() throws Exception {
        node = TestServer.start(dir);
        forked = node.fork(LAUNCHER_JVM_OPTIONS, List.of("logging: {format: json}"));
        KeyServiceGrpc.KeyServiceBlockingStub keys = KeyServiceGrpc.newBlockingStub(forked.adminChannel());
        ApprovalServiceGrpc.ApprovalServiceBlockingStub approvals =
                ApprovalServiceGrpc.newBlockingStub(forked.adminChannel());

        // A key the service may use, created when the second officer approves: the node logs
        // "created key ..." while it serves that vote.
        ApprovalRequest request = keys.withInterceptors(requestId("json-logs-create")).createKey(
                CreateKeyRequest.newBuilder().setAccessPolicy(AccessPolicy.newBuilder().addRules(AccessRule.newBuilder()
                        .addPrincipals(TestServer.SERVICE).addOperations(DataOperation.WRAP)
                        .addOperations(DataOperation.UNWRAP))).build()).getApprovalRequest();
        approvals.vote(node.officers().get("alice").vote(request, Decision.APPROVE, Instant.now()));
        ApprovalRequest done = approvals.withInterceptors(requestId("json-logs-vote"))
                .vote(node.officers().get("carol").vote(request, Decision.APPROVE, Instant.now())).getRequest();
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.getFailureMessage());
        String keyId = done.getResult();

        byte[] plaintext = "json-logs-IT plaintext 7f3a".getBytes(StandardCharsets.UTF_8);
        CryptoServiceGrpc.CryptoServiceBlockingStub crypto = CryptoServiceGrpc.newBlockingStub(
                forked.channelFor(node.pki().clientWithUri("json-logs-service", TestServer.SERVICE)));
        ByteString envelope = crypto.withInterceptors(requestId("json-logs-wrap")).wrap(WrapRequest.newBuilder()
                .setKeyId(keyId).setPlaintext(ByteString.copyFrom(plaintext)).build()).getEnvelope();
        assertArrayEquals(plaintext, crypto.unwrap(UnwrapRequest.newBuilder().setEnvelope(envelope).build())
                .getPlaintext().toByteArray());
        StatusRuntimeException missing = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> keys.withInterceptors(requestId("json-logs-missing"))
                        .getKey(GetKeyRequest.newBuilder().setKeyId("alias/json-logs-missing").build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());

        Path log = forked.log();
        forked.close(); // SIGTERM: the shutdown's events are in the log too
        forked = null;

        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertTrue(lines.size() >= 3, "too few lines: " + lines);
        List<JsonNode> events = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            JsonNode event;
            try {
                event = JSON.readTree(line);
            } catch (Exception e) {
                throw new AssertionError("line " + (i + 1) + " of " + log + " is not JSON: " + line, e);
            }
            assertTrue(event.isObject(), "line " + (i + 1) + ": " + line);
            assertTrue(event.path("timestamp").isNumber(), "no timestamp: " + line);
            assertTrue(LEVELS.contains(event.path("level").asText()), "no level: " + line);
            assertFalse(event.path("loggerName").asText().isEmpty(), "no logger: " + line);
            assertFalse(event.path("threadName").asText().isEmpty(), "no thread: " + line);
            assertTrue(event.path("formattedMessage").isTextual(), "no message: " + line);
            events.add(event);
        }

        assertNotNull(find(events, "Coffre node "), "the node's start is logged");
        assertNotNull(find(events, "coffre-server: listening on 127.0.0.1:"), "Main's line is a JSON event");
        JsonNode created = find(events, "created key " + keyId);
        assertNotNull(created, "the key's creation is logged");
        assertEquals("json-logs-vote", created.path("mdc").path("request_id").asText(),
                "the creation belongs to the executing vote: " + created);
        JsonNode started = find(events, "Coffre node ");
        assertFalse(started.path("mdc").has("request_id"), "no call, no request id: " + started);

        String all = String.join("\n", lines);
        String pin = Files.readString(SoftHsmTestToken.get().pinFile()).strip();
        assertFalse(all.contains(pin), "the PIN is in the log");
        for (String form : List.of(new String(plaintext, StandardCharsets.UTF_8), HexFormat.of().formatHex(plaintext),
                Base64.getEncoder().encodeToString(plaintext))) {
            assertFalse(all.contains(form), "a plaintext is in the log");
        }
    }

    private static JsonNode find(List<JsonNode> events, String messageStart) {
        return events.stream().filter(e -> e.path("formattedMessage").asText().startsWith(messageStart)).findFirst()
                .orElse(null);
    }
}
