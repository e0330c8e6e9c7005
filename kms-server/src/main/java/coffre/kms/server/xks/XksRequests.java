package coffre.kms.server.xks;

import coffre.kms.server.domain.SecretBytes;
import java.util.Map;
import java.util.Set;

/**
 * Parses the JSON body of each XKS operation (spec, "API operations"), strict where the spec is
 * strict and lenient where it says so:
 * <ul>
 *   <li>required members must be present (missing → {@link XksError#VALIDATION}), with
 *       {@code requestMetadata} checked per operation ({@link XksRequestMetadata});</li>
 *   <li>unknown members are ignored; duplicate members, trailing data and malformed JSON are refused;</li>
 *   <li>Base64 members are standard padded Base64 ({@link XksBase64}), else ValidationException;</li>
 *   <li>{@code encryptionAlgorithm} must be {@code AES_GCM} and
 *       {@code ciphertextDataIntegrityValueAlgorithm}, when present, {@code SHA_256} (the only
 *       values of API v1), else ValidationException.</li>
 * </ul>
 * Sizes are not checked here but by {@link XksAesGcm}, after the key lookup, except the whole
 * body's ({@value #MAX_BODY_BYTES} bytes; above, {@link XksError#UNSUPPORTED_OPERATION}).
 */
public final class XksRequests {
    /**
     * The largest body accepted. The largest legal Encrypt body is about 17 KB (5,736 + 10,924
     * Base64 characters and metadata with two 2,048-character ARNs); this leaves room for fields
     * KMS may add. The listener should cap its body reads at the same figure.
     */
    public static final int MAX_BODY_BYTES = XksJson.MAX_BODY_BYTES;
    public static final String AES_GCM = "AES_GCM";
    public static final String SHA_256 = "SHA_256";

    private static final String PLAINTEXT = "plaintext";
    private static final String CIPHERTEXT = "ciphertext";
    private static final String CIPHERTEXT_METADATA = "ciphertextMetadata";
    private static final String AAD = "additionalAuthenticatedData";
    private static final String IV = "initializationVector";
    private static final String TAG = "authenticationTag";
    private static final String ENCRYPTION_ALGORITHM = "encryptionAlgorithm";
    private static final String CDIV_ALGORITHM = "ciphertextDataIntegrityValueAlgorithm";
    private static final byte[] NONE = new byte[0];
    private static final Set<String> ENCRYPT_STRINGS = Set.of(ENCRYPTION_ALGORITHM, CDIV_ALGORITHM);
    private static final Set<String> ENCRYPT_BASE64 = Set.of(PLAINTEXT, AAD);
    private static final Set<String> DECRYPT_STRINGS = Set.of(ENCRYPTION_ALGORITHM);
    private static final Set<String> DECRYPT_BASE64 = Set.of(CIPHERTEXT, CIPHERTEXT_METADATA, AAD, IV, TAG);

    private XksRequests() {
    }

    /** GetHealthStatus: only {@code requestMetadata} ({@code kmsOperation}, {@code kmsRequestId}). */
    public static XksRequestMetadata parseHealth(byte[] body) {
        return metadataOnly(body, XksOperation.GET_HEALTH_STATUS);
    }

    /** GetKeyMetadata: only {@code requestMetadata}. */
    public static XksRequestMetadata parseKeyMetadata(byte[] body) {
        return metadataOnly(body, XksOperation.GET_KEY_METADATA);
    }

    /** Encrypt. The caller closes the result to zero the plaintext. */
    public static XksEncryptRequest parseEncrypt(byte[] body) {
        XksRequestReader.Members m = XksRequestReader.read(body, ENCRYPT_STRINGS, ENCRYPT_BASE64);
        try {
            XksRequestMetadata metadata = XksRequestMetadata.of(m.metadata(), XksOperation.ENCRYPT);
            byte[] plaintext = required(m.bytes(), PLAINTEXT);
            if (plaintext.length == 0) {
                throw new XksException(XksError.VALIDATION, "plaintext must not be empty");
            }
            checkEncryptionAlgorithm(m.strings());
            String cdivAlgorithm = m.strings().get(CDIV_ALGORITHM);
            if (cdivAlgorithm != null && !SHA_256.equals(cdivAlgorithm)) {
                throw new XksException(XksError.VALIDATION, CDIV_ALGORITHM + " must be " + SHA_256);
            }
            return new XksEncryptRequest(metadata, SecretBytes.adopt(plaintext), m.bytes().getOrDefault(AAD, NONE),
                    cdivAlgorithm != null);
        } catch (RuntimeException e) {
            m.zero();
            throw e;
        }
    }

    /** Decrypt. */
    public static XksDecryptRequest parseDecrypt(byte[] body) {
        XksRequestReader.Members m = XksRequestReader.read(body, DECRYPT_STRINGS, DECRYPT_BASE64);
        XksRequestMetadata metadata = XksRequestMetadata.of(m.metadata(), XksOperation.DECRYPT);
        byte[] ciphertext = required(m.bytes(), CIPHERTEXT);
        byte[] iv = required(m.bytes(), IV);
        byte[] tag = required(m.bytes(), TAG);
        checkEncryptionAlgorithm(m.strings());
        return new XksDecryptRequest(metadata, ciphertext, m.bytes().getOrDefault(CIPHERTEXT_METADATA, NONE),
                m.bytes().getOrDefault(AAD, NONE), iv, tag);
    }

    private static XksRequestMetadata metadataOnly(byte[] body, XksOperation operation) {
        XksRequestReader.Members m = XksRequestReader.read(body, Set.of(), Set.of());
        return XksRequestMetadata.of(m.metadata(), operation);
    }

    private static void checkEncryptionAlgorithm(Map<String, String> strings) {
        String algorithm = strings.get(ENCRYPTION_ALGORITHM);
        if (algorithm == null) {
            throw new XksException(XksError.VALIDATION, ENCRYPTION_ALGORITHM + " is required");
        }
        if (!AES_GCM.equals(algorithm)) {
            throw new XksException(XksError.VALIDATION, ENCRYPTION_ALGORITHM + " must be " + AES_GCM);
        }
    }

    private static byte[] required(Map<String, byte[]> bytes, String member) {
        byte[] value = bytes.get(member);
        if (value == null) {
            throw new XksException(XksError.VALIDATION, member + " is required");
        }
        return value;
    }
}
