package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.Key;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapResponse;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CoffreClient} against a real node on a real SoftHSM token over real mutual TLS: the four
 * data-plane calls, the server's refusals as typed exceptions, and the admin stubs.
 */
class CoffreClientIT {
    private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");

    @TempDir
    static Path dir;
    static TestServer node;
    static Key key;

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
        key = node.createKey();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static CoffreClient client(String fileName, String principal) throws TlsMaterialException {
        TestPki.Issued identity = node.pki().clientWithUri(fileName, principal);
        return CoffreClient.builder()
                .endpoints("127.0.0.1:" + node.server().port())
                .tls(node.pki().caFile(), identity.certificate(), identity.privateKey())
                .build();
    }

    private static byte[] secret(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        SecretLedger.record(bytes);
        return bytes;
    }

    @Test
    void aServiceWrapsUnwrapsMakesDataKeysAndRewraps() throws Exception {
        try (CoffreClient coffre = client("client-service", TestServer.SERVICE)) {
            byte[] plaintext = secret("coffre-client-it plaintext");

            WrapResponse wrapped = coffre.wrap(key.getId(), plaintext, CONTEXT);
            UnwrapResponse opened = coffre.unwrap(wrapped.getEnvelope().toByteArray(), CONTEXT);
            GenerateDataKeyResponse dataKey = coffre.generateDataKey(key.getId(), 32, CONTEXT);
            SecretLedger.record(dataKey.getPlaintext().toByteArray());
            RewrapResponse rewrapped = coffre.rewrap(dataKey.getEnvelope().toByteArray(), CONTEXT);
            UnwrapResponse dataKeyAgain = coffre.unwrap(rewrapped.getEnvelope().toByteArray(), CONTEXT);

            assertArrayEquals(plaintext, opened.getPlaintext().toByteArray());
            assertEquals(key.getId(), opened.getKeyId());
            assertEquals(32, dataKey.getPlaintext().size());
            assertEquals(dataKey.getPlaintext(), dataKeyAgain.getPlaintext());
        }
    }

    @Test
    void theServersRefusalsArriveTyped() throws Exception {
        try (CoffreClient coffre = client("client-service-2", TestServer.SERVICE)) {
            byte[] envelope = coffre.wrap(key.getId(), secret("coffre-client-it refusals"), CONTEXT).getEnvelope()
                    .toByteArray();

            DecryptionFailedException otherContext = assertThrows(DecryptionFailedException.class,
                    () -> coffre.unwrap(envelope, Map.of("tenant", "someone else")));
            // A service is not told whether a key it may not use exists.
            AccessDeniedException noSuchKey = assertThrows(AccessDeniedException.class,
                    () -> coffre.wrap("alias/no-such-key", new byte[16], CONTEXT));
            InvalidArgumentException badId = assertThrows(InvalidArgumentException.class,
                    () -> coffre.wrap("not a key id", new byte[16], CONTEXT));

            assertEquals("DECRYPTION_FAILED", otherContext.reason());
            assertEquals("PERMISSION_DENIED", noSuchKey.reason());
            assertEquals("INVALID_KEY_ID", badId.reason());
        }
    }

    @Test
    void aDisabledKeyIsAKeyStateRefusal() throws Exception {
        Key disabled = node.createKey();
        node.disable(disabled.getId());
        try (CoffreClient coffre = client("client-service-3", TestServer.SERVICE)) {
            KeyStateException e = assertThrows(KeyStateException.class,
                    () -> coffre.wrap(disabled.getId(), new byte[16], CONTEXT));

            assertEquals("KEY_DISABLED", e.reason());
        }
    }

    @Test
    void theAsyncCallsReachTheNodeAndFailTyped() throws Exception {
        try (CoffreClient coffre = client("client-service-async", TestServer.SERVICE);
             CoffreClient admin = client("client-admin-async", TestServer.ADMIN)) {
            byte[] plaintext = secret("coffre-client-it async plaintext");

            UnwrapResponse opened = coffre.async().wrap(key.getId(), plaintext, CONTEXT)
                    .thenCompose(wrapped -> coffre.async().unwrap(wrapped.getEnvelope().toByteArray(), CONTEXT))
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            GenerateDataKeyResponse dataKey = coffre.async().generateDataKey(key.getId(), 32, CONTEXT)
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            SecretLedger.record(dataKey.getPlaintext().toByteArray());
            RewrapResponse rewrapped = coffre.async().rewrap(dataKey.getEnvelope().toByteArray(), CONTEXT)
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            Key shown = admin.async().getKey(GetKeyRequest.newBuilder().setKeyId(key.getId()).build())
                    .get(10, java.util.concurrent.TimeUnit.SECONDS).getKey();
            java.util.concurrent.ExecutionException refused = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> coffre.async().unwrap(rewrapped.getEnvelope().toByteArray(), Map.of("tenant", "other"))
                            .get(10, java.util.concurrent.TimeUnit.SECONDS));
            java.util.concurrent.ExecutionException denied = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> coffre.async().createKey(CreateKeyRequest.getDefaultInstance())
                            .get(10, java.util.concurrent.TimeUnit.SECONDS));

            assertArrayEquals(plaintext, opened.getPlaintext().toByteArray());
            assertEquals(key.getId(), rewrapped.getKeyId());
            assertEquals(key.getId(), shown.getId());
            assertEquals("DECRYPTION_FAILED", assertInstanceOf(DecryptionFailedException.class, refused.getCause()).reason());
            assertEquals("PERMISSION_DENIED", assertInstanceOf(AccessDeniedException.class, denied.getCause()).reason());
        }
    }

    @Test
    void theAdminStubsGoOverTheSameChannelAndTheirErrorsTypeTheSameWay() throws Exception {
        try (CoffreClient admin = client("client-admin", TestServer.ADMIN);
             CoffreClient service = client("client-service-4", TestServer.SERVICE)) {
            Key shown = admin.stubs().keys().getKey(GetKeyRequest.newBuilder().setKeyId(key.getId()).build()).getKey();
            StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                    () -> admin.stubs().keys().getKey(GetKeyRequest.newBuilder().setKeyId("alias/no-such-key").build()));
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> service.stubs().keys().createKey(CreateKeyRequest.getDefaultInstance()));

            assertEquals(key.getId(), shown.getId());
            assertEquals("KEY_NOT_FOUND", assertInstanceOf(NotFoundException.class,
                    CoffreErrors.toException(missing)).reason());
            assertEquals("PERMISSION_DENIED", assertInstanceOf(AccessDeniedException.class,
                    CoffreErrors.toException(refused)).reason());
        }
    }
}
