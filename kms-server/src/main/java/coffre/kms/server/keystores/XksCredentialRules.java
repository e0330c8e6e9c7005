package coffre.kms.server.keystores;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * The form of a key store's SigV4 credentials, checked when a credential is created or imported
 * (never at verification time, where an unknown access key id is simply a failed signature).
 *
 * <ul>
 *   <li>Access key id: {@value #MIN_ACCESS_KEY_ID_CHARS}–{@value #MAX_ACCESS_KEY_ID_CHARS} characters
 *       of {@code A-Z} and {@code 2-7} (AWS KMS {@code XksProxyAuthenticationCredentialType}), random,
 *       revealing nothing about the secret.</li>
 *   <li>Secret access key: {@value #MIN_SECRET_CHARS}–{@value #MAX_SECRET_CHARS} characters of
 *       {@code A-Za-z0-9+/=}, at least 256 bits of entropy, used as the literal ASCII string (never
 *       Base64-decoded).</li>
 * </ul>
 * Messages never echo a secret. Secrets travel as {@code char[]} so the caller can zero them.
 *
 * <p>It belongs to the key-store domain, which makes and checks credentials, rather than to the
 * XKS edge, which only verifies signatures: the edge depends on this package, never the reverse.
 */
public final class XksCredentialRules {
    public static final int MIN_ACCESS_KEY_ID_CHARS = 20;
    public static final int MAX_ACCESS_KEY_ID_CHARS = 30;
    public static final int MIN_SECRET_CHARS = 43;
    public static final int MAX_SECRET_CHARS = 64;
    /** Generated ids: 24 base32 characters, 120 random bits, so they are unique without a registry. */
    static final int GENERATED_ACCESS_KEY_ID_CHARS = 24;
    /** Generated secrets: 32 random bytes in padded Base64, 44 characters (the spec's own recipe). */
    static final int GENERATED_SECRET_BYTES = 32;
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private XksCredentialRules() {
    }

    /**
     * @return {@code accessKeyId}, valid
     * @throws IllegalArgumentException naming the rule it breaks
     */
    public static String requireValidAccessKeyId(String accessKeyId) {
        if (accessKeyId == null || accessKeyId.length() < MIN_ACCESS_KEY_ID_CHARS
                || accessKeyId.length() > MAX_ACCESS_KEY_ID_CHARS
                || !accessKeyId.chars().allMatch(c -> BASE32.indexOf(c) >= 0)) {
            throw new IllegalArgumentException("an XKS access key id is " + MIN_ACCESS_KEY_ID_CHARS + "-"
                    + MAX_ACCESS_KEY_ID_CHARS + " characters of A-Z and 2-7");
        }
        return accessKeyId;
    }

    /**
     * @throws IllegalArgumentException naming the rule the secret breaks (never the secret)
     */
    public static void requireValidSecret(char[] secret) {
        boolean valid = secret != null && secret.length >= MIN_SECRET_CHARS && secret.length <= MAX_SECRET_CHARS;
        for (int i = 0; valid && i < secret.length; i++) {
            valid = isSecretChar(secret[i]);
        }
        if (!valid) {
            throw new IllegalArgumentException("an XKS secret access key is " + MIN_SECRET_CHARS + "-"
                    + MAX_SECRET_CHARS + " characters of A-Z, a-z, 0-9, '+', '/' and '='");
        }
    }

    /** A new random access key id ({@value #GENERATED_ACCESS_KEY_ID_CHARS} base32 characters). */
    public static String newAccessKeyId(SecureRandom random) {
        StringBuilder id = new StringBuilder(GENERATED_ACCESS_KEY_ID_CHARS);
        for (int i = 0; i < GENERATED_ACCESS_KEY_ID_CHARS; i++) {
            id.append(BASE32.charAt(random.nextInt(BASE32.length())));
        }
        return id.toString();
    }

    /** A new random secret: 32 bytes in padded standard Base64 (44 characters); zero it after use. */
    public static char[] newSecret(SecureRandom random) {
        byte[] raw = new byte[GENERATED_SECRET_BYTES];
        random.nextBytes(raw);
        byte[] encoded = Base64.getEncoder().encode(raw);
        char[] secret = new char[encoded.length];
        for (int i = 0; i < encoded.length; i++) {
            secret[i] = (char) encoded[i];
        }
        Arrays.fill(raw, (byte) 0);
        Arrays.fill(encoded, (byte) 0);
        return secret;
    }

    /**
     * The HMAC key of SigV4's first step, the ASCII bytes of {@code "AWS4" + secret}: what is
     * imported into the HSM as a non-extractable HMAC key (47–68 bytes; HMAC hashes keys longer than
     * its 64-byte block first, as RFC 2104 says, so any HMAC-SHA256 implementation agrees).
     * The caller zeroes the returned array after use.
     *
     * @throws IllegalArgumentException if the secret is not valid
     */
    public static byte[] aws4Key(char[] secret) {
        requireValidSecret(secret);
        byte[] key = new byte[4 + secret.length];
        System.arraycopy("AWS4".getBytes(StandardCharsets.US_ASCII), 0, key, 0, 4);
        for (int i = 0; i < secret.length; i++) {
            key[4 + i] = (byte) secret[i];
        }
        return key;
    }

    private static boolean isSecretChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '+' || c == '/' || c == '=';
    }
}
