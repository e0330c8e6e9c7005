package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.domain.SecretBytes;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * The AES-GCM binding of the XKS edge: the gcmAAD bytes, checked by encrypting with the JDK's
 * AES/GCM against vectors from another implementation (src/test/resources/xks/aes-gcm-vectors.csv),
 * the integrity value (also the spec's own example), the limits and the lengths Decrypt accepts.
 */
class XksAesGcmTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] KEY = HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static final XksRequestMetadata METADATA = new XksRequestMetadata("arn:aws:iam::123456789012:user/Alice",
            null, null, "arn:aws:kms:us-east-2:123456789012:key/k", "Encrypt", "r-1", null);

    @ParameterizedTest(name = "{0}")
    @CsvFileSource(resources = "/xks/aes-gcm-vectors.csv", delimiter = '|', maxCharsPerColumn = 512)
    void vectors(String name, String key, String iv, String plaintext, String aad, String metadata, String gcmAad,
                 String ciphertext, String tag, String cdiv) throws GeneralSecurityException {
        byte[] aadBytes = aad.getBytes(StandardCharsets.UTF_8);
        byte[] cm = HEX.parseHex(metadata);
        byte[] built = XksAesGcm.gcmAad(aadBytes, cm);
        assertEquals(gcmAad, HEX.formatHex(built));

        byte[] sealed = jdkGcm(Cipher.ENCRYPT_MODE, HEX.parseHex(key), HEX.parseHex(iv), built,
                plaintext.getBytes(StandardCharsets.UTF_8));
        XksEncryptRequest request = new XksEncryptRequest(METADATA,
                SecretBytes.copyOf(plaintext.getBytes(StandardCharsets.UTF_8)), aadBytes, true);
        XksEncryptResponse response = XksAesGcm.encryptResponse(request, cm, HEX.parseHex(iv), sealed);
        assertEquals(ciphertext, XksBase64.encode(response.ciphertext()));
        assertEquals(tag, XksBase64.encode(response.authenticationTag()));
        assertEquals(cdiv, XksBase64.encode(response.ciphertextDataIntegrityValue()));
    }

    @Test
    void specExampleIntegrityValue() {
        byte[] cdiv = XksAesGcm.integrityValue(XksBase64.decode("cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n", "aad"),
                XksBase64.decode("a2V5X3ZlcnNpb249MQ==", "cm"), XksBase64.decode("HMrlRw85cAJUd5Ax", "iv"),
                XksBase64.decode("ghxkK1txeDNn3q8Y", "ct"), XksBase64.decode("vBxN2ncH1oEkR8WVXpmyYQ==", "tag"));
        assertEquals("a8703f2260bd8791ec2d15ea0b23e65a0631eedcf2a13a65cc82db3f47cf5ec7", HEX.formatHex(cdiv));
        assertEquals("qHA/ImC9h5HsLRXqCyPmWgYx7tzyoTplzILbP0fPXsc=", XksBase64.encode(cdiv));
    }

    @Test
    void lengthPrefixesKeepAadAndMetadataApart() {
        byte[] x = "key_version=1".getBytes(StandardCharsets.US_ASCII);
        assertEquals("00000d" + HEX.formatHex(x), HEX.formatHex(XksAesGcm.gcmAad(new byte[0], x)));
        assertEquals("000d" + HEX.formatHex(x) + "00", HEX.formatHex(XksAesGcm.gcmAad(x, new byte[0])));
    }

    @Test
    void gcmAadRefusesWhatItsLengthCannotSay() {
        XksAesGcm.gcmAad(new byte[65_535], new byte[0]);
        XksException e = assertThrows(XksException.class, () -> XksAesGcm.gcmAad(new byte[65_536], new byte[0]));
        assertEquals(XksError.UNSUPPORTED_OPERATION, e.error());
        assertThrows(IllegalArgumentException.class, () -> XksAesGcm.gcmAad(new byte[0], new byte[21]));
    }

    @Test
    void encryptLimitsAreTheSpecsMinimums() {
        XksAesGcm.checkEncrypt(encrypt(4300, 8192));
        assertUnsupported(() -> XksAesGcm.checkEncrypt(encrypt(4301, 0)));
        assertUnsupported(() -> XksAesGcm.checkEncrypt(encrypt(1, 8193)));
    }

    @Test
    void decryptLimits() {
        assertEquals(7, XksAesGcm.checkDecrypt(decrypt(4300, 8192, 12, 16, metadata(7))).keyVersion());
        assertUnsupported(() -> XksAesGcm.checkDecrypt(decrypt(4301, 0, 12, 16, metadata(7))));
        assertUnsupported(() -> XksAesGcm.checkDecrypt(decrypt(1, 8193, 12, 16, metadata(7))));
    }

    @Test
    void decryptRefusesWhatCoffreNeverMakes() {
        assertInvalidCiphertext(decrypt(0, 0, 12, 16, metadata(7)));
        assertInvalidCiphertext(decrypt(16, 0, 16, 16, metadata(7)));
        assertInvalidCiphertext(decrypt(16, 0, 11, 16, metadata(7)));
        assertInvalidCiphertext(decrypt(16, 0, 0, 16, metadata(7)));
        assertInvalidCiphertext(decrypt(16, 0, 12, 15, metadata(7)));
        assertInvalidCiphertext(decrypt(16, 0, 12, 17, metadata(7)));
        assertInvalidCiphertext(decrypt(16, 0, 12, 16, new byte[0]));
    }

    @Test
    void integrityValueOnlyWhenAsked() {
        XksEncryptRequest request = new XksEncryptRequest(METADATA, SecretBytes.copyOf(new byte[4]), new byte[0], false);
        XksEncryptResponse response = XksAesGcm.encryptResponse(request, metadata(1), new byte[12], new byte[20]);
        assertNull(response.ciphertextDataIntegrityValue());
        assertEquals(4, response.ciphertext().length);
        assertEquals(16, response.authenticationTag().length);
        assertThrows(IllegalArgumentException.class,
                () -> XksAesGcm.encryptResponse(request, metadata(1), new byte[16], new byte[20]));
        assertThrows(IllegalArgumentException.class,
                () -> XksAesGcm.encryptResponse(request, metadata(1), new byte[12], new byte[15]));
    }

    /** Encrypt, answer, parse the answer back as KMS would send it, decrypt; then tamper with each part. */
    @Test
    void roundTripThroughTheJsonAndTampering() throws GeneralSecurityException {
        byte[] aad = "project=nile".getBytes(StandardCharsets.US_ASCII);
        byte[] cm = new XksCiphertextMetadata(3).encode();
        byte[] iv = HEX.parseHex("0102030405060708090a0b0c");
        byte[] plaintext = "a data key of 32 bytes, for once".getBytes(StandardCharsets.US_ASCII);
        SecretLedger.record(plaintext);
        XksEncryptRequest request = new XksEncryptRequest(METADATA, SecretBytes.copyOf(plaintext), aad, true);
        XksAesGcm.checkEncrypt(request);
        byte[] sealed = jdkGcm(Cipher.ENCRYPT_MODE, KEY, iv, XksAesGcm.gcmAad(aad, cm), plaintext);
        String answer = new String(XksAesGcm.encryptResponse(request, cm, iv, sealed).toJson(), StandardCharsets.UTF_8);

        String decryptBody = "{\"requestMetadata\":{\"awsPrincipalArn\":\"p\",\"kmsKeyArn\":\"k\",\"kmsOperation\":"
                + "\"Decrypt\",\"kmsRequestId\":\"r\"},\"encryptionAlgorithm\":\"AES_GCM\","
                + "\"additionalAuthenticatedData\":\"" + XksBase64.encode(aad) + "\"," + answer.substring(1);
        XksDecryptRequest decrypt = XksRequests.parseDecrypt(decryptBody.getBytes(StandardCharsets.UTF_8));
        XksCiphertextMetadata version = XksAesGcm.checkDecrypt(decrypt);
        assertEquals(3, version.keyVersion());
        byte[] gcmAad = XksAesGcm.gcmAad(decrypt.additionalAuthenticatedData(), decrypt.ciphertextMetadata());
        assertArrayEquals(plaintext, jdkGcm(Cipher.DECRYPT_MODE, KEY, decrypt.initializationVector(), gcmAad,
                decrypt.ciphertextAndTag()));

        byte[] otherMetadata = new XksCiphertextMetadata(4).encode();
        assertThrows(AEADBadTagException.class, () -> jdkGcm(Cipher.DECRYPT_MODE, KEY, iv,
                XksAesGcm.gcmAad(aad, otherMetadata), decrypt.ciphertextAndTag()));
        assertThrows(AEADBadTagException.class, () -> jdkGcm(Cipher.DECRYPT_MODE, KEY, iv,
                XksAesGcm.gcmAad(new byte[0], cm), decrypt.ciphertextAndTag()));
        assertFalse(Arrays.equals(XksAesGcm.gcmAad(aad, cm), XksAesGcm.gcmAad(new byte[0], cm)));
    }

    static byte[] jdkGcm(int mode, byte[] key, byte[] iv, byte[] aad, byte[] input) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        cipher.updateAAD(aad);
        return cipher.doFinal(input);
    }

    private static XksEncryptRequest encrypt(int plaintextBytes, int aadBytes) {
        return new XksEncryptRequest(METADATA, SecretBytes.adopt(new byte[plaintextBytes]), new byte[aadBytes], false);
    }

    private static XksDecryptRequest decrypt(int ciphertextBytes, int aadBytes, int ivBytes, int tagBytes, byte[] cm) {
        return new XksDecryptRequest(METADATA, new byte[ciphertextBytes], cm, new byte[aadBytes], new byte[ivBytes],
                new byte[tagBytes]);
    }

    private static byte[] metadata(int version) {
        return new XksCiphertextMetadata(version).encode();
    }

    private static void assertUnsupported(org.junit.jupiter.api.function.Executable call) {
        assertEquals(XksError.UNSUPPORTED_OPERATION, assertThrows(XksException.class, call).error());
    }

    private static void assertInvalidCiphertext(XksDecryptRequest request) {
        assertEquals(XksError.INVALID_CIPHERTEXT,
                assertThrows(XksException.class, () -> XksAesGcm.checkDecrypt(request)).error());
    }
}
