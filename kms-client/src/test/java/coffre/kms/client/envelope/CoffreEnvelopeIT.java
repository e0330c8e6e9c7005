package coffre.kms.client.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.client.AccessDeniedException;
import coffre.kms.client.CoffreClient;
import coffre.kms.client.DecryptionFailedException;
import coffre.kms.client.KeyStateException;
import coffre.kms.client.envelope.EnvelopeException.Reason;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.Key;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CoffreEnvelope} against a real node on a real SoftHSM token over real mutual TLS: data keys
 * from GenerateDataKey, opened by Unwrap, and Coffre's refusals where a message or key is wrong.
 */
class CoffreEnvelopeIT {
    private static final Map<String, String> CONTEXT = Map.of("tenant", "acme", "file", "ledger-2026.csv");

    @TempDir
    static Path dir;
    static TestServer node;
    static Key key;
    static CoffreClient coffre;

    @BeforeAll
    static void start() throws Exception {
        node = TestServer.start(dir);
        key = node.createKey(CreateKeyRequest.newBuilder().setAlias("ledgers").build());
        TestPki.Issued identity = node.pki().clientWithUri("envelope-service", TestServer.SERVICE);
        coffre = CoffreClient.builder()
                .endpoints("127.0.0.1:" + node.server().port())
                .tls(node.pki().caFile(), identity.certificate(), identity.privateKey())
                .build();
    }

    @AfterAll
    static void stop() {
        coffre.close();
        node.close();
    }

    @Test
    void aMegabyteStreamRoundTripsThroughCoffre() throws Exception {
        KmsDataKeys dataKeys = new KmsDataKeys(coffre);
        CoffreEnvelope envelope = new CoffreEnvelope(dataKeys);
        byte[] plaintext = CoffreEnvelopeTest.bytes(1 << 20, 11);
        SecretLedger.record(java.util.Arrays.copyOf(plaintext, 64));
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();

        EnvelopeInfo written = envelope.encrypt("alias/ledgers", CONTEXT, new ByteArrayInputStream(plaintext), sealed);
        ByteArrayOutputStream opened = new ByteArrayOutputStream();
        EnvelopeInfo read = envelope.decrypt(CONTEXT, new ByteArrayInputStream(sealed.toByteArray()), opened);

        assertArrayEquals(plaintext, opened.toByteArray());
        assertEquals(key.getId(), written.keyId());
        assertEquals(written, read);
        assertEquals(1, dataKeys.generateCalls());
        assertEquals(1, dataKeys.unwrapCalls());
    }

    @Test
    void aChangedWrappedKeyIsRefusedByCoffre() {
        CoffreEnvelope envelope = new CoffreEnvelope(coffre);
        byte[] message = envelope.encrypt("alias/ledgers", CONTEXT, new byte[100]);
        message[50 + 40] ^= 1; // inside the wrapped data key (Coffre's own envelope)

        EnvelopeException e = assertThrows(EnvelopeException.class, () -> envelope.decrypt(CONTEXT, message));

        assertEquals(Reason.WRAPPED_KEY_REFUSED, e.reason());
        assertEquals("DECRYPTION_FAILED", assertInstanceOf(DecryptionFailedException.class, e.getCause()).reason());
    }

    @Test
    void coffresOtherRefusalsArriveTyped() {
        CoffreEnvelope envelope = new CoffreEnvelope(coffre);
        Key disabled = node.createKey();
        byte[] message = envelope.encrypt(disabled.getId(), CONTEXT, new byte[100]);
        node.disable(disabled.getId());

        AccessDeniedException unknown = assertThrows(AccessDeniedException.class,
                () -> envelope.encrypt("alias/no-such-key", CONTEXT, new byte[1]));
        KeyStateException off = assertThrows(KeyStateException.class, () -> envelope.decrypt(CONTEXT, message));

        assertEquals("PERMISSION_DENIED", unknown.reason());
        assertEquals("KEY_DISABLED", off.reason());
    }
}
