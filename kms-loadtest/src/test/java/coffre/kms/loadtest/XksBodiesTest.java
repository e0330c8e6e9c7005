package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.xks.XksDecryptRequest;
import coffre.kms.server.xks.XksEncryptRequest;
import coffre.kms.server.xks.XksRequestMetadata;
import coffre.kms.server.xks.XksRequests;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The bodies the load tool sends, read back by the server's own parser ({@link XksRequests}): each
 * is a valid request of its operation, with the metadata the spec requires and a fresh
 * {@code kmsRequestId}.
 */
class XksBodiesTest {
    private final XksBodies bodies = new XksBodies(List.of("key-1", "key-2"), "eu-west-3", 32, 40, false,
            new SplittableRandom(1));

    @Test
    void encryptCarriesThePlaintextAadAndMetadata() {
        try (XksEncryptRequest request = XksRequests.parseEncrypt(bodies.encrypt("key-2"))) {
            assertEquals(32, request.plaintext().length());
            assertEquals(40, request.additionalAuthenticatedData().length);
            assertFalse(request.integrityValueRequested());
            XksRequestMetadata m = request.requestMetadata();
            assertEquals("Encrypt", m.kmsOperation());
            assertEquals(XksBodies.PRINCIPAL_ARN, m.awsPrincipalArn());
            assertTrue(m.kmsKeyArn().startsWith("arn:aws:kms:eu-west-3:111122223333:key/"), m.kmsKeyArn());
        }
    }

    @Test
    void theIntegrityValueIsAskedOnlyWhenTold() {
        XksBodies withCdiv = new XksBodies(List.of("k"), "eu-west-3", 16, 0, true, new SplittableRandom(2));
        try (XksEncryptRequest request = XksRequests.parseEncrypt(withCdiv.encrypt("k"))) {
            assertTrue(request.integrityValueRequested());
            assertEquals(0, request.additionalAuthenticatedData().length);
        }
        assertFalse(new String(withCdiv.encrypt("k"), StandardCharsets.US_ASCII).contains("additionalAuthenticatedData"),
                "no AAD member when --context-size is 0");
    }

    @Test
    void decryptSendsBackWhatEncryptAnsweredUnderTheSameAad() {
        byte[] iv = new byte[12];
        byte[] tag = new byte[16];
        XksCiphertext c = new XksCiphertext("key-1", "Y2lwaGVydGV4dA==", null,
                Base64.getEncoder().encodeToString(iv), Base64.getEncoder().encodeToString(tag));
        XksDecryptRequest request = XksRequests.parseDecrypt(bodies.decrypt(c));
        assertEquals("Decrypt", request.requestMetadata().kmsOperation());
        assertArrayEquals("ciphertext".getBytes(StandardCharsets.US_ASCII), request.ciphertext());
        assertEquals(0, request.ciphertextMetadata().length, "absent when Encrypt gave none");
        assertEquals(40, request.additionalAuthenticatedData().length);
        try (XksEncryptRequest encrypt = XksRequests.parseEncrypt(bodies.encrypt("key-1"))) {
            assertArrayEquals(encrypt.additionalAuthenticatedData(), request.additionalAuthenticatedData());
        }
        XksCiphertext withMetadata = new XksCiphertext("key-1", "Y2lwaGVydGV4dA==", "AQAAAAE=",
                Base64.getEncoder().encodeToString(iv), Base64.getEncoder().encodeToString(tag));
        assertEquals(5, XksRequests.parseDecrypt(bodies.decrypt(withMetadata)).ciphertextMetadata().length);
    }

    @Test
    void metadataAndHealthAreWhatKmsSends() {
        assertEquals("DescribeKey", XksRequests.parseKeyMetadata(bodies.metadata("key-1")).kmsOperation());
        XksRequestMetadata health = XksRequests.parseHealth(bodies.health());
        assertEquals("KmsHealthCheck", health.kmsOperation());
    }

    @Test
    void everyCallHasItsOwnRequestIdAndEachKeyItsOwnArn() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ids.add(XksRequests.parseHealth(bodies.health()).kmsRequestId());
        }
        assertEquals(1000, ids.size());
        assertFalse(XksRequests.parseKeyMetadata(bodies.metadata("key-1")).kmsKeyArn()
                .equals(XksRequests.parseKeyMetadata(bodies.metadata("key-2")).kmsKeyArn()));
        assertEquals(List.of("key-1", "key-2", "key-2"), List.of(bodies.key(0), bodies.key(1), bodies.key(3)));
        assertTrue(Set.of("key-1", "key-2").contains(bodies.key(new SplittableRandom(3))));
    }

    @Test
    void sizesOutsideTheSpecAreRefused() {
        SplittableRandom random = new SplittableRandom(4);
        assertEquals("--payload-size: an XKS plaintext is 1 to 4300 bytes, got 0", assertThrows(
                IllegalArgumentException.class, () -> new XksBodies(List.of("k"), "eu-west-3", 0, 0, false, random))
                .getMessage());
        assertEquals("--payload-size: an XKS plaintext is 1 to 4300 bytes, got 4301", assertThrows(
                IllegalArgumentException.class, () -> new XksBodies(List.of("k"), "eu-west-3", 4301, 0, false, random))
                .getMessage());
        assertEquals("--context-size: the XKS additionalAuthenticatedData is 0 to 8192 bytes, got 8193", assertThrows(
                IllegalArgumentException.class, () -> new XksBodies(List.of("k"), "eu-west-3", 1, 8193, false, random))
                .getMessage());
        assertThrows(IllegalArgumentException.class, () -> bodies.metadata("not-a-run-key"));
    }
}
