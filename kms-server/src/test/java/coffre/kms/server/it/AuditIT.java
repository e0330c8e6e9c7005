package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditLog;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.crypto.EncryptionContext;
import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.StoredAuditChain;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.ChainVerification;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.Key;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.QueryAuditEventsResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.VerifyAuditChainRequest;
import coffre.kms.v1.VerifyAuditChainResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log of a real node (SoftHSM, embedded store): what it records, verify, fail closed/open. */
class AuditIT {
    @TempDir
    Path dir;
    private TestServer node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private List<AuditEvent> all() {
        List<AuditEvent> events = new ArrayList<>();
        String token = "";
        do {
            QueryAuditEventsResponse page = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                    .setPageSize(50).setPageToken(token).build());
            events.addAll(page.getEventsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return events;
    }

    private List<AuditEvent> ofType(String type) {
        return node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder().setType(type).setPageSize(1000).build())
                .getEventsList();
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(node.jdbcUrl(), "coffre", "");
             Statement st = c.createStatement()) {
            st.executeUpdate(statement);
        }
    }

    @Test
    void recordsAllowedDeniedAndInvalidCallsWithTheirSubjectButNoSecret() throws Exception {
        node = TestServer.start(dir);
        Key key = node.createKey();
        byte[] plaintext = new byte[32];
        new SecureRandom().nextBytes(plaintext);
        Map<String, String> context = Map.of("tenant", "acme-secret-tenant-name");
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), "it-request-1");
        CryptoServiceGrpc.CryptoServiceBlockingStub crypto = node.serviceCrypto()
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        WrapResponse wrapped = crypto.wrap(WrapRequest.newBuilder().setKeyId(key.getId())
                .setPlaintext(ByteString.copyFrom(plaintext)).putAllEncryptionContext(context).build());
        Errors.expect(Status.Code.INVALID_ARGUMENT, "DECRYPTION_FAILED", () -> node.serviceCrypto().unwrap(
                UnwrapRequest.newBuilder().setEnvelope(wrapped.getEnvelope()).putEncryptionContext("tenant", "other").build()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> node.adminCrypto().wrap(
                WrapRequest.newBuilder().setKeyId(key.getId()).setPlaintext(ByteString.copyFrom(plaintext)).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_ID", () -> node.serviceCrypto().wrap(
                WrapRequest.newBuilder().setKeyId("nonsense").setPlaintext(ByteString.copyFrom(plaintext)).build()));

        List<AuditEvent> wraps = ofType("WRAP");
        AuditEvent allowed = wraps.stream().filter(e -> e.getRequestId().equals("it-request-1")).findFirst().orElseThrow();
        assertEquals(TestServer.SERVICE, allowed.getPrincipal());
        assertEquals(key.getId(), allowed.getKeyId());
        assertEquals(1, allowed.getKeyVersion());
        assertEquals("ALLOWED", allowed.getDecision());
        assertEquals(ChainHash.sha256Hex(EncryptionContext.of(context).canonicalBytes()), allowed.getContextSha256());
        assertEquals("test-1", allowed.getNode());
        assertTrue(wraps.stream().anyMatch(e -> e.getPrincipal().equals(TestServer.ADMIN)
                && e.getDecision().equals("DENIED") && e.getReason().equals("PERMISSION_DENIED")));
        assertTrue(wraps.stream().anyMatch(e -> e.getDecision().equals("INVALID") && e.getReason().equals("INVALID_KEY_ID")
                && e.getKeyId().equals("nonsense")));
        AuditEvent denied = ofType("UNWRAP").get(0);
        assertEquals("DENIED", denied.getDecision());
        assertEquals("DECRYPTION_FAILED", denied.getReason());
        assertEquals(key.getId(), denied.getKeyId(), "the key is read from the envelope's header");

        List<AuditEvent> votes = ofType("VOTE");
        assertFalse(votes.isEmpty());
        assertTrue(votes.stream().allMatch(v -> v.getTarget().startsWith("apr-") && v.getDetail().contains("decision=APPROVE")
                && v.getDetail().startsWith("officer=")), votes.toString());
        assertTrue(ofType("CREATE_KEY").stream().anyMatch(e -> e.getTarget().startsWith("apr-")));
        assertEquals(1, ofType("NODE_STARTED").size());

        // Nothing secret anywhere in the stored log: not the plaintext, the envelope, nor a context value.
        StringBuilder stored = new StringBuilder();
        try (Connection c = DriverManager.getConnection(node.jdbcUrl(), "coffre", "");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM kms_audit_batch")) {
            while (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    // The events column holds records: search their bytes as text and as hex.
                    byte[] bytes = rs.getBytes(i);
                    stored.append(rs.getString(i)).append('|')
                            .append(bytes == null ? "" : new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1))
                            .append('|');
                }
            }
        }
        assertTrue(stored.toString().contains("spiffe://coffre.test/service/"), "the check reads the stored events");
        String text = stored.toString();
        for (String secret : List.of(HexFormat.of().formatHex(plaintext), Base64.getEncoder().encodeToString(plaintext),
                HexFormat.of().formatHex(wrapped.getEnvelope().toByteArray()), "acme-secret-tenant-name")) {
            assertFalse(text.contains(secret), "the audit log holds a secret");
        }
    }

    @Test
    void verifiesAndNamesTheFirstEditedEvent() throws Exception {
        node = TestServer.start(dir);
        node.createKey();
        node.server().checkpointAuditNow();
        VerifyAuditChainResponse good = node.adminAudit().verifyChain(VerifyAuditChainRequest.getDefaultInstance());
        assertTrue(good.getValid(), good.toString());
        ChainVerification chain = good.getChains(0);
        assertTrue(chain.getEventsChecked() > 5);
        assertEquals(chain.getEventsChecked(), chain.getAnchoredThrough());
        assertEquals(1, chain.getCheckpointsChecked());
        assertTrue(all().size() > chain.getEventsChecked(), "verify's own event comes after what it checked");

        try (Connection c = DriverManager.getConnection(node.jdbcUrl(), "coffre", "")) {
            StoredAuditChain.edit(c, "test-1", 3, f -> StoredAuditChain.withPrincipal(f, "spiffe://someone/else"));
        }
        VerifyAuditChainResponse bad = node.adminAudit().verifyChain(VerifyAuditChainRequest.newBuilder().setNode("test-1").build());
        assertFalse(bad.getValid());
        assertEquals(3, bad.getChains(0).getFirstBadSequence());
        assertEquals("EDITED", bad.getChains(0).getProblem());
    }

    @Test
    void failsClosedWhileTheLogCannotBeWrittenThenRecovers() throws Exception {
        node = TestServer.start(dir, AuditLog.FailureMode.CLOSED);
        Key key = node.createKey();
        WrapRequest wrap = WrapRequest.newBuilder().setKeyId(key.getId()).setPlaintext(ByteString.copyFromUtf8("x")).build();
        node.serviceCrypto().wrap(wrap);
        sql("ALTER TABLE kms_audit_batch RENAME TO kms_audit_batch_away");
        Errors.expect(Status.Code.UNAVAILABLE, "AUDIT_UNAVAILABLE", () -> node.serviceCrypto().wrap(wrap));
        Errors.expect(Status.Code.UNAVAILABLE, "AUDIT_UNAVAILABLE", () -> node.serviceCrypto().wrap(wrap));
        sql("ALTER TABLE kms_audit_batch_away RENAME TO kms_audit_batch");
        // The first call after the store is back may still be refused (its own event is the probe).
        try {
            node.serviceCrypto().wrap(wrap);
        } catch (io.grpc.StatusRuntimeException probe) {
            assertEquals("AUDIT_UNAVAILABLE", Errors.of(probe).reason());
        }
        node.serviceCrypto().wrap(wrap);
        node.server().checkpointAuditNow();
        assertTrue(node.adminAudit().verifyChain(VerifyAuditChainRequest.getDefaultInstance()).getValid());
    }

    @Test
    void failsOpenWhenConfiguredSoAndWritesTheEventsLater() throws Exception {
        node = TestServer.start(dir, AuditLog.FailureMode.OPEN);
        Key key = node.createKey();
        sql("ALTER TABLE kms_audit_batch RENAME TO kms_audit_batch_away");
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), "while-down");
        node.serviceCrypto().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .wrap(WrapRequest.newBuilder().setKeyId(key.getId()).setPlaintext(ByteString.copyFromUtf8("x")).build());
        sql("ALTER TABLE kms_audit_batch_away RENAME TO kms_audit_batch");
        long deadline = System.nanoTime() + 10_000_000_000L;
        boolean found = false;
        while (!found && System.nanoTime() < deadline) {
            found = ofType("WRAP").stream().anyMatch(e -> e.getRequestId().equals("while-down"));
            Thread.sleep(100);
        }
        assertTrue(found, "the event acknowledged while the log was down is written once it is back");
        node.server().checkpointAuditNow();
        assertTrue(node.adminAudit().verifyChain(VerifyAuditChainRequest.getDefaultInstance()).getValid());
    }

    @Test
    void refusesMalformedQueries() {
        node = TestServer.start(dir);
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_AUDIT_QUERY", () -> node.adminAudit().queryEvents(
                QueryAuditEventsRequest.newBuilder().setType("NOT_A_TYPE").build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_PAGINATION", () -> node.adminAudit().queryEvents(
                QueryAuditEventsRequest.newBuilder().setPageToken("garbage!").build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_PAGINATION", () -> node.adminAudit().queryEvents(
                QueryAuditEventsRequest.newBuilder().setPageSize(1001).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_AUDIT_QUERY", () -> node.adminAudit().queryEvents(
                QueryAuditEventsRequest.newBuilder().setStartTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(10))
                        .setEndTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(5)).build()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> coffre.kms.v1.AuditServiceGrpc
                .newBlockingStub(node.serviceChannel()).queryEvents(QueryAuditEventsRequest.getDefaultInstance()));
    }
}
