package coffre.kms.loadtest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The JSON bodies of the XKS calls (spec §2, as AWS KMS sends them): compact, one line, with a
 * fresh {@code kmsRequestId} per call (the spec's opaque id; a random UUID form here). What is
 * fixed for the run is encoded once: the plaintext ({@code --payload-size} random bytes, as KMS
 * sends a data key to wrap), the AAD ({@code --context-size} random bytes; KMS sends its encryption
 * context there; none when 0), and each external key's {@code requestMetadata} prefix.
 *
 * <p>The metadata names a fixed caller ({@value #PRINCIPAL_ARN}) and, per external key, a
 * {@code kmsKeyArn} in the run's region made from the key id, so a secondary-authorization rule can
 * match the load tool's calls. Encrypt may ask for the {@code ciphertextDataIntegrityValue}
 * ({@code --xks-integrity-value}); the proxy then decrypts each ciphertext as a check (spec Appendix C).
 */
final class XksBodies {
    static final String PRINCIPAL_ARN = "arn:aws:iam::111122223333:role/coffre-loadtest";
    static final int MAX_PLAINTEXT_BYTES = 4300;
    static final int MAX_AAD_BYTES = 8192;

    private final List<String> keyIds;
    private final Map<String, String> keyArns = new HashMap<>();
    private final String plaintext;
    private final String aad;
    private final boolean integrityValue;

    /**
     * @throws IllegalArgumentException for a plaintext outside 1..4300 bytes or an AAD above 8192
     *     (the sizes every proxy must take; a larger one would only measure a refusal)
     */
    XksBodies(List<String> keyIds, String region, int plaintextBytes, int aadBytes, boolean integrityValue,
              RandomGenerator random) {
        if (plaintextBytes < 1 || plaintextBytes > MAX_PLAINTEXT_BYTES) {
            throw new IllegalArgumentException("--payload-size: an XKS plaintext is 1 to " + MAX_PLAINTEXT_BYTES
                    + " bytes, got " + plaintextBytes);
        }
        if (aadBytes < 0 || aadBytes > MAX_AAD_BYTES) {
            throw new IllegalArgumentException("--context-size: the XKS additionalAuthenticatedData is 0 to "
                    + MAX_AAD_BYTES + " bytes, got " + aadBytes);
        }
        this.keyIds = List.copyOf(keyIds);
        for (String id : keyIds) {
            keyArns.put(id, "arn:aws:kms:" + region + ":111122223333:key/"
                    + UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8)));
        }
        this.plaintext = randomBase64(plaintextBytes, random);
        this.aad = aadBytes == 0 ? null : randomBase64(aadBytes, random);
        this.integrityValue = integrityValue;
    }

    private static String randomBase64(int bytes, RandomGenerator random) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return Base64.getEncoder().encodeToString(value);
    }

    /** A key chosen uniformly among the run's external keys. */
    String key(RandomGenerator random) {
        return keyIds.get(random.nextInt(keyIds.size()));
    }

    /** Key {@code index mod keys}: ciphertext pools use every key. */
    String key(int index) {
        return keyIds.get(Math.floorMod(index, keyIds.size()));
    }

    int keyCount() {
        return keyIds.size();
    }

    /** GetHealthStatus, as KMS's periodic check sends it. */
    byte[] health() {
        StringBuilder s = new StringBuilder(96).append("{\"requestMetadata\":{\"kmsOperation\":\"KmsHealthCheck\",");
        return requestId(s).append("}}").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** GetKeyMetadata, as KMS's DescribeKey sends it. */
    byte[] metadata(String keyId) {
        return metadata(new StringBuilder(256), keyId, "DescribeKey").append('}')
                .toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Encrypt of the run's plaintext under its AAD. */
    byte[] encrypt(String keyId) {
        StringBuilder s = metadata(new StringBuilder(320 + plaintext.length() + (aad == null ? 0 : aad.length())),
                keyId, "Encrypt");
        s.append(",\"plaintext\":\"").append(plaintext).append('"');
        aad(s).append(",\"encryptionAlgorithm\":\"AES_GCM\"");
        if (integrityValue) {
            s.append(",\"ciphertextDataIntegrityValueAlgorithm\":\"SHA_256\"");
        }
        return s.append('}').toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Decrypt of a ciphertext an Encrypt answered, under the same AAD. */
    byte[] decrypt(XksCiphertext c) {
        StringBuilder s = metadata(new StringBuilder(384 + c.ciphertext().length() + (aad == null ? 0 : aad.length())),
                c.keyId(), "Decrypt");
        s.append(",\"ciphertext\":\"").append(c.ciphertext()).append('"');
        if (c.ciphertextMetadata() != null) {
            s.append(",\"ciphertextMetadata\":\"").append(c.ciphertextMetadata()).append('"');
        }
        aad(s).append(",\"encryptionAlgorithm\":\"AES_GCM\",\"initializationVector\":\"")
                .append(c.initializationVector()).append("\",\"authenticationTag\":\"")
                .append(c.authenticationTag()).append('"');
        return s.append('}').toString().getBytes(StandardCharsets.US_ASCII);
    }

    private StringBuilder metadata(StringBuilder s, String keyId, String kmsOperation) {
        String arn = keyArns.get(keyId);
        if (arn == null) {
            throw new IllegalArgumentException("external key id " + keyId + " is not one of the run's");
        }
        s.append("{\"requestMetadata\":{\"awsPrincipalArn\":\"").append(PRINCIPAL_ARN)
                .append("\",\"kmsKeyArn\":\"").append(arn)
                .append("\",\"kmsOperation\":\"").append(kmsOperation).append("\",");
        return requestId(s).append('}');
    }

    private StringBuilder aad(StringBuilder s) {
        if (aad != null) {
            s.append(",\"additionalAuthenticatedData\":\"").append(aad).append('"');
        }
        return s;
    }

    private static StringBuilder requestId(StringBuilder s) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return s.append("\"kmsRequestId\":\"").append(new UUID(random.nextLong(), random.nextLong())).append('"');
    }
}
