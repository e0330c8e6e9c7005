package coffre.kms.server.keystores;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The access key id and secret forms of the spec and AWS KMS, and the credentials Coffre makes. */
class XksCredentialRulesTest {
    /** The spec digest's SigV4 example secret (the vector its date key below comes from). */
    private static final String SECRET = "FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE";

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest(name = "accepts access key id {0}")
    @ValueSource(strings = {"AKIAI2SFODNN7EXAMPLE", "ABCDEFGHIJKLMNOPQRSTUVWXYZ2345", "22222222222222222222"})
    void acceptsAccessKeyIds(String id) {
        assertEquals(id, XksCredentialRules.requireValidAccessKeyId(id));
    }

    @ParameterizedTest(name = "refuses access key id \"{0}\"")
    @ValueSource(strings = {"", "AKIAI2SFODNN7EXAMPL", "ABCDEFGHIJKLMNOPQRSTUVWXYZ23456", "AKIAI2SFODNN7EXAMPLe",
            "AKIAI2SFODNN1EXAMPLE", "AKIAI2SFODNN8EXAMPLE", "AKIAI2SFODNN7EXAMPL=",
            "AKIAI2SFODNN7EXAMPLEAKIAI2SFODNN7EXAMPLEAKIAI2SFODNN"})
    void refusesAccessKeyIds(String id) {
        assertThrows(IllegalArgumentException.class, () -> XksCredentialRules.requireValidAccessKeyId(id));
    }

    @ParameterizedTest(name = "accepts a secret of {0} characters")
    @ValueSource(ints = {43, 44, 64})
    void acceptsSecretLengths(int length) {
        XksCredentialRules.requireValidSecret(("Az09+/=" + "x".repeat(length)).substring(0, length).toCharArray());
    }

    @ParameterizedTest(name = "refuses a secret of {0} characters")
    @ValueSource(ints = {0, 42, 65})
    void refusesSecretLengths(int length) {
        assertThrows(IllegalArgumentException.class,
                () -> XksCredentialRules.requireValidSecret("x".repeat(length).toCharArray()));
    }

    @ParameterizedTest(name = "refuses a secret holding \"{0}\"")
    @ValueSource(strings = {"-", "_", " ", ".", "é"})
    void refusesSecretCharacters(String bad) {
        char[] secret = (SECRET.substring(1) + bad).toCharArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> XksCredentialRules.requireValidSecret(secret));
        assertFalse(e.getMessage().contains(SECRET.substring(1, 20)), "the secret is never echoed");
    }

    @Test
    void refusesANullSecret() {
        assertThrows(IllegalArgumentException.class, () -> XksCredentialRules.requireValidSecret(null));
    }

    @Test
    void generatedCredentialsAreValidAndDistinct() {
        SecureRandom random = new SecureRandom();
        String id = XksCredentialRules.newAccessKeyId(random);
        char[] secret = XksCredentialRules.newSecret(random);
        assertEquals(24, id.length());
        XksCredentialRules.requireValidAccessKeyId(id);
        assertEquals(44, secret.length);
        XksCredentialRules.requireValidSecret(secret);
        assertNotEquals(id, XksCredentialRules.newAccessKeyId(random));
        assertNotEquals(new String(secret), new String(XksCredentialRules.newSecret(random)));
    }

    @Test
    void aws4KeyGivesTheDigestsDateKey() {
        byte[] key = XksCredentialRules.aws4Key(SECRET.toCharArray());
        assertArrayEquals(("AWS4" + SECRET).getBytes(StandardCharsets.US_ASCII), key);
        assertEquals("260109623e527db203ef1bf8267016bef79544c949c83a9587bc73cf742ad6e9",
                HexFormat.of().formatHex(hmac(key, "20261207")));
    }
}
