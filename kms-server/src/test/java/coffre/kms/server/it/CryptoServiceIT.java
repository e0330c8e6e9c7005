package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.CryptoServiceGrpc.CryptoServiceBlockingStub;
import coffre.kms.v1.EnableKeyRequest;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyServiceGrpc.KeyServiceBlockingStub;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The data plane against a real node on a real SoftHSM token, over mTLS. */
class CryptoServiceIT {
    private static final Map<String, String> CONTEXT = Map.of("tenant", "acme", "purpose", "orders-db");

    @TempDir
    static Path dir;
    static TestServer node;
    static KeyServiceBlockingStub keys;
    static CryptoServiceBlockingStub crypto;
    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
        keys = node.adminKeys();
        crypto = node.serviceCrypto();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static Key newKey() {
        return node.createKey();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static WrapResponse wrap(String keyId, byte[] plaintext, Map<String, String> context) {
        return crypto.wrap(WrapRequest.newBuilder().setKeyId(keyId).setPlaintext(ByteString.copyFrom(plaintext))
                .putAllEncryptionContext(context).build());
    }

    private static UnwrapResponse unwrap(ByteString envelope, Map<String, String> context) {
        return crypto.unwrap(UnwrapRequest.newBuilder().setEnvelope(envelope).putAllEncryptionContext(context).build());
    }

    @Test
    void wrapThenUnwrapReturnsThePlaintext() {
        Key key = newKey();
        byte[] plaintext = randomBytes(32);
        WrapResponse wrapped = wrap(key.getId(), plaintext, CONTEXT);
        assertEquals(key.getId(), wrapped.getKeyId());
        assertEquals(1, wrapped.getKeyVersion());
        UnwrapResponse opened = unwrap(wrapped.getEnvelope(), CONTEXT);
        assertArrayEquals(plaintext, opened.getPlaintext().toByteArray());
        assertEquals(key.getId(), opened.getKeyId());
        assertEquals(1, opened.getKeyVersion());
    }

    @Test
    void wrappingTwiceGivesDifferentEnvelopes() {
        Key key = newKey();
        byte[] plaintext = randomBytes(16);
        assertNotEquals(wrap(key.getId(), plaintext, CONTEXT).getEnvelope(), wrap(key.getId(), plaintext, CONTEXT).getEnvelope());
    }

    @Test
    void aliasesWorkWherever_keyIdsDo() {
        String alias = "orders-" + System.nanoTime();
        Key key = node.createKey(CreateKeyRequest.newBuilder().setAlias(alias).build());
        WrapResponse wrapped = wrap("alias/" + alias, new byte[] {42}, Map.of());
        assertEquals(key.getId(), wrapped.getKeyId());
        assertArrayEquals(new byte[] {42}, unwrap(wrapped.getEnvelope(), Map.of()).getPlaintext().toByteArray());
    }

    @ParameterizedTest(name = "data key of {0} bytes")
    @ValueSource(ints = {0, 16, 24, 32, 64})
    void dataKeysComeInPlaintextAndWrapped(int length) {
        Key key = newKey();
        GenerateDataKeyResponse dataKey = crypto.generateDataKey(GenerateDataKeyRequest.newBuilder()
                .setKeyId(key.getId()).setLengthBytes(length).putAllEncryptionContext(CONTEXT).build());
        assertEquals(length == 0 ? 32 : length, dataKey.getPlaintext().size());
        assertEquals(dataKey.getPlaintext(), unwrap(dataKey.getEnvelope(), CONTEXT).getPlaintext());
    }

    @Test
    void dataKeysAreFresh() {
        Key key = newKey();
        Set<ByteString> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            seen.add(crypto.generateDataKey(GenerateDataKeyRequest.newBuilder().setKeyId(key.getId()).build())
                    .getPlaintext());
        }
        assertEquals(20, seen.size());
    }

    @Test
    void everyAuthenticationFailureLooksTheSame() {
        Key key = newKey();
        Key other = newKey();
        byte[] envelope = wrap(key.getId(), randomBytes(32), CONTEXT).getEnvelope().toByteArray();
        int ivOffset = 2 + 30 + 4;
        List<Runnable> attempts = new ArrayList<>();
        attempts.add(() -> unwrap(ByteString.copyFrom(envelope), Map.of("tenant", "acme")));            // missing pair
        attempts.add(() -> unwrap(ByteString.copyFrom(envelope), Map.of()));                             // no context
        attempts.add(() -> unwrap(ByteString.copyFrom(envelope), Map.of("tenant", "evil", "purpose", "orders-db")));
        Map<String, String> extra = new java.util.HashMap<>(CONTEXT);
        extra.put("more", "x");
        attempts.add(() -> unwrap(ByteString.copyFrom(envelope), extra));                                 // extra pair
        for (int offset : new int[] {ivOffset, ivOffset + 12, envelope.length - 1}) {                  // IV, body, tag
            byte[] tampered = envelope.clone();
            tampered[offset] ^= 0x01;
            attempts.add(() -> unwrap(ByteString.copyFrom(tampered), CONTEXT));
        }
        byte[] otherKey = envelope.clone();                                                             // wrong key
        System.arraycopy(other.getId().getBytes(StandardCharsets.US_ASCII), 0, otherKey, 2, 30);
        attempts.add(() -> unwrap(ByteString.copyFrom(otherKey), CONTEXT));
        byte[] otherVersion = envelope.clone();                                                         // unknown version
        otherVersion[2 + 30 + 3] = 2;
        attempts.add(() -> unwrap(ByteString.copyFrom(otherVersion), CONTEXT));
        attempts.add(() -> unwrap(ByteString.copyFrom(Arrays.copyOf(envelope, envelope.length - 1)), CONTEXT));
        attempts.add(() -> unwrap(ByteString.copyFrom(Arrays.copyOf(envelope, 20)), CONTEXT));          // truncated
        attempts.add(() -> unwrap(ByteString.copyFromUtf8("not an envelope at all, just text"), CONTEXT));
        byte[] unknownKey = envelope.clone();                                                           // no such key
        System.arraycopy("key-aaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes(StandardCharsets.US_ASCII), 0, unknownKey, 2, 30);
        attempts.add(() -> unwrap(ByteString.copyFrom(unknownKey), CONTEXT));

        Errors.Seen first = null;
        for (Runnable attempt : attempts) {
            Errors.Seen seen = Errors.of(assertThrows(StatusRuntimeException.class, attempt::run));
            assertEquals(Status.Code.INVALID_ARGUMENT, seen.code());
            assertEquals("DECRYPTION_FAILED", seen.reason());
            if (first != null) {
                assertEquals(first, seen, "every failure must be indistinguishable");
            }
            first = seen;
        }
    }

    @Test
    void disabledKeyRefusesWrapAndUnwrapUntilEnabled() {
        Key key = newKey();
        ByteString envelope = wrap(key.getId(), new byte[] {7}, CONTEXT).getEnvelope();
        node.disable(key.getId());
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> wrap(key.getId(), new byte[] {7}, CONTEXT));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> unwrap(envelope, CONTEXT));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> crypto.generateDataKey(
                GenerateDataKeyRequest.newBuilder().setKeyId(key.getId()).build()));
        node.approved(keys.enableKey(EnableKeyRequest.newBuilder().setKeyId(key.getId()).build()).getApprovalRequest());
        assertArrayEquals(new byte[] {7}, unwrap(envelope, CONTEXT).getPlaintext().toByteArray());
    }

    @Test
    void rotationKeepsOldEnvelopesAndRewrapMovesThem() {
        Key key = newKey();
        byte[] plaintext = randomBytes(32);
        ByteString v1 = wrap(key.getId(), plaintext, CONTEXT).getEnvelope();
        Key rotated = node.approved(keys.rotateKey(RotateKeyRequest.newBuilder().setKeyId(key.getId()).build())
                .getApprovalRequest());
        assertEquals(2, rotated.getPrimaryVersion());
        assertEquals(2, rotated.getVersionsCount());

        assertArrayEquals(plaintext, unwrap(v1, CONTEXT).getPlaintext().toByteArray());
        assertEquals(2, wrap(key.getId(), plaintext, CONTEXT).getKeyVersion());

        RewrapResponse moved = crypto.rewrap(RewrapRequest.newBuilder().setEnvelope(v1).putAllEncryptionContext(CONTEXT).build());
        assertEquals(2, moved.getKeyVersion());
        assertEquals(1, moved.getSourceKeyVersion());
        assertEquals(key.getId(), moved.getSourceKeyId());
        UnwrapResponse opened = unwrap(moved.getEnvelope(), CONTEXT);
        assertEquals(2, opened.getKeyVersion());
        assertArrayEquals(plaintext, opened.getPlaintext().toByteArray());

        Errors.expect(Status.Code.INVALID_ARGUMENT, "DECRYPTION_FAILED", () -> crypto.rewrap(
                RewrapRequest.newBuilder().setEnvelope(v1).putAllEncryptionContext(Map.of("tenant", "other")).build()));
    }

    @Test
    void rewrapToAnotherKey() {
        Key source = newKey();
        Key target = newKey();
        byte[] plaintext = randomBytes(24);
        ByteString envelope = wrap(source.getId(), plaintext, CONTEXT).getEnvelope();
        RewrapResponse moved = crypto.rewrap(RewrapRequest.newBuilder().setEnvelope(envelope)
                .putAllEncryptionContext(CONTEXT).setTargetKeyId(target.getId()).build());
        assertEquals(target.getId(), moved.getKeyId());
        assertEquals(source.getId(), moved.getSourceKeyId());
        assertArrayEquals(plaintext, unwrap(moved.getEnvelope(), CONTEXT).getPlaintext().toByteArray());
    }

    @Test
    void plaintextLimitIs4096Bytes() {
        Key key = newKey();
        assertEquals(4096, unwrap(wrap(key.getId(), randomBytes(4096), Map.of()).getEnvelope(), Map.of())
                .getPlaintext().size());
        Errors.Seen seen = Errors.expect(Status.Code.INVALID_ARGUMENT, "PLAINTEXT_TOO_LARGE",
                () -> wrap(key.getId(), randomBytes(4097), Map.of()));
        assertEquals("4096", seen.metadata().get("limit"));
        Errors.Seen empty = Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD",
                () -> wrap(key.getId(), new byte[0], Map.of()));
        assertEquals("plaintext", empty.metadata().get("field"));
    }

    @Test
    void contextLimitIs8192EncodedBytes() {
        Key key = newKey();
        Map<String, String> largest = Map.of("k", "v".repeat(8179));
        ByteString envelope = wrap(key.getId(), new byte[] {1}, largest).getEnvelope();
        assertArrayEquals(new byte[] {1}, unwrap(envelope, largest).getPlaintext().toByteArray());
        Map<String, String> tooLarge = Map.of("k", "v".repeat(8180));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_ENCRYPTION_CONTEXT", () -> wrap(key.getId(), new byte[] {1}, tooLarge));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_ENCRYPTION_CONTEXT", () -> unwrap(envelope, tooLarge));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_ENCRYPTION_CONTEXT", () -> wrap(key.getId(), new byte[] {1}, Map.of("", "v")));
    }

    @ParameterizedTest(name = "data key length {0} is refused")
    @ValueSource(ints = {1, 8, 15, 17, 31, 33, 48, 63, 65, 128, 4096})
    void dataKeyLengthsOutsideTheListAreRefused(int length) {
        Key key = newKey();
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_DATA_KEY_LENGTH", () -> crypto.generateDataKey(
                GenerateDataKeyRequest.newBuilder().setKeyId(key.getId()).setLengthBytes(length).build()));
    }

    /**
     * A caller that may use no key by a name cannot tell whether one exists: the same reason and
     * the same message (but for the name it gave) for an alias that names nothing, one that names
     * a key it may not use, and one that names such a key when disabled; the audit log still
     * records which was which.
     */
    @Test
    void aCallerWithoutAccessCannotTellAMissingKeyFromOneItMayNotUse() {
        String alias = "payroll-" + System.nanoTime();
        Key key = node.createKey(CreateKeyRequest.newBuilder().setAlias(alias).setAccessPolicy(AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals(TestServer.SERVICE).addOperations(DataOperation.WRAP)))
                .build());
        CryptoServiceBlockingStub outsider = CryptoServiceGrpc.newBlockingStub(node.channelFor(
                node.pki().clientWithUri("outsider", "spiffe://coffre.test/service/outsider")));
        java.util.function.Function<String, Errors.Seen> wrapAs = name -> Errors.expect(Status.Code.PERMISSION_DENIED,
                "PERMISSION_DENIED", () -> outsider.wrap(WrapRequest.newBuilder().setKeyId(name)
                        .setPlaintext(ByteString.copyFromUtf8("x")).build()));
        String missing = "nothing-" + System.nanoTime();

        Errors.Seen existing = wrapAs.apply("alias/" + alias);
        Errors.Seen absent = wrapAs.apply("alias/" + missing);
        assertEquals(existing.message().replace(alias, "NAME"), absent.message().replace(missing, "NAME"));
        assertEquals(existing.metadata(), absent.metadata());
        assertFalse(existing.message().contains(key.getId()), "the alias's key id is not revealed: " + existing.message());
        Errors.Seen byId = wrapAs.apply(key.getId());
        Errors.Seen noId = wrapAs.apply("key-aaaaaaaaaaaaaaaaaaaaaaaaaa");
        assertEquals(byId.message().replace(key.getId(), "ID"), noId.message().replace("key-aaaaaaaaaaaaaaaaaaaaaaaaaa", "ID"));

        node.disable(key.getId());
        assertEquals(existing.message(), wrapAs.apply("alias/" + alias).message(), "the key's state is not told either");
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> wrap("alias/" + alias, new byte[] {1}, Map.of()));

        List<String> recorded = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder().setType("WRAP")
                        .setPrincipal("spiffe://coffre.test/service/outsider").setPageSize(100).build()).getEventsList()
                .stream().map(e -> e.getReason()).sorted().toList();
        assertEquals(List.of("KEY_NOT_FOUND", "KEY_NOT_FOUND", "PERMISSION_DENIED", "PERMISSION_DENIED",
                "PERMISSION_DENIED"), recorded, "the audit log records the truth");
    }

    @Test
    void badKeyReferencesAreRefused() {
        Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", () -> wrap("", new byte[] {1}, Map.of()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_ID", () -> wrap("k1", new byte[] {1}, Map.of()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_ALIAS", () -> wrap("alias/", new byte[] {1}, Map.of()));
        // A key that does not exist looks like one the caller may not use (see below).
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED",
                () -> wrap("key-aaaaaaaaaaaaaaaaaaaaaaaaaa", new byte[] {1}, Map.of()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> wrap("alias/nobody", new byte[] {1}, Map.of()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", () -> unwrap(ByteString.EMPTY, Map.of()));
    }

    @Test
    void oversizedMessagesAreRefusedByTheTransportWithTheirReason() {
        Key key = newKey();
        Errors.Seen seen = Errors.expect(Status.Code.RESOURCE_EXHAUSTED, "MESSAGE_TOO_LARGE",
                () -> wrap(key.getId(), new byte[] {1}, Map.of("k", "v".repeat(70_000))));
        assertEquals("65536", seen.metadata().get("limit"));
        assertTrue(seen.message().contains("65536"), seen.message());
        List<String> recorded = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder().setType("WRAP")
                .setPrincipal(TestServer.SERVICE).setPageSize(1000).build()).getEventsList().stream()
                .map(e -> e.getReason()).toList();
        assertTrue(recorded.contains("MESSAGE_TOO_LARGE"), "audited like any refusal: " + recorded);
        // The connection is still usable.
        assertEquals(key.getId(), wrap(key.getId(), new byte[] {1}, Map.of()).getKeyId());
    }
}
