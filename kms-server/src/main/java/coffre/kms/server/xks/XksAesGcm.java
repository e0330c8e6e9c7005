package coffre.kms.server.xks;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * How the XKS edge uses AES-256-GCM (spec, "Encrypt", "Decrypt", Appendix C): the AAD given to the
 * HSM, the integrity value, and the limits.
 *
 * <p>Limits: the spec requires plaintexts up to {@value #MAX_PLAINTEXT_BYTES} bytes and AAD up to
 * {@value #MAX_AAD_BYTES} bytes, and lets a proxy refuse more with
 * {@link XksError#UNSUPPORTED_OPERATION} (501). Coffre supports exactly the minimums: more is never
 * needed by KMS (its data keys are at most 1 KiB, its AAD is the caller's encryption context) and
 * every byte above would only widen the HSM's work per call. Ciphertexts are the plaintext's size,
 * so Decrypt has the same cap.
 *
 * <p>IVs: Coffre makes 12-byte IVs (GCM's native size; the HSM draws them) and accepts only 12 on
 * Decrypt. The spec allows 16-byte IVs for proxies whose HSM makes them, but no Coffre ciphertext
 * has one, and GCM hashes a non-96-bit IV into a different counter block (a different HSM
 * mechanism parameter), so a 16-byte IV can only be a corrupted or foreign ciphertext:
 * {@link XksError#INVALID_CIPHERTEXT}, like every other wrong length.
 */
public final class XksAesGcm {
    public static final int IV_BYTES = 12;
    public static final int TAG_BYTES = 16;
    public static final int MAX_PLAINTEXT_BYTES = 4300;
    public static final int MAX_CIPHERTEXT_BYTES = MAX_PLAINTEXT_BYTES;
    public static final int MAX_AAD_BYTES = 8192;
    /** What the u16 length of {@link #gcmAad} can say. */
    static final int MAX_ENCODABLE_AAD_BYTES = 0xffff;

    private XksAesGcm() {
    }

    /**
     * The AAD bound into the GCM tag (spec, "Encrypt", ciphertextMetadata):
     * {@code u16_be(len AAD) ‖ AAD ‖ u8(len CM) ‖ CM}. The length prefixes keep "no AAD, metadata X"
     * apart from "AAD X, no metadata"; an absent value is empty, so both absent gives {@code 00 00 00}.
     *
     * @param aad                the request's decoded {@code additionalAuthenticatedData} (empty if absent)
     * @param ciphertextMetadata the metadata answered (Encrypt) or received (Decrypt), empty if absent
     * @throws XksException {@link XksError#UNSUPPORTED_OPERATION} if the AAD has more than 65,535 bytes
     */
    public static byte[] gcmAad(byte[] aad, byte[] ciphertextMetadata) {
        if (aad.length > MAX_ENCODABLE_AAD_BYTES) {
            throw new XksException(XksError.UNSUPPORTED_OPERATION,
                    "additionalAuthenticatedData is larger than " + MAX_ENCODABLE_AAD_BYTES + " bytes");
        }
        if (ciphertextMetadata.length > XksCiphertextMetadata.MAX_LENGTH) {
            throw new IllegalArgumentException("ciphertextMetadata is at most 20 bytes");
        }
        return ByteBuffer.allocate(2 + aad.length + 1 + ciphertextMetadata.length)
                .putShort((short) aad.length).put(aad)
                .put((byte) ciphertextMetadata.length).put(ciphertextMetadata)
                .array();
    }

    /**
     * The {@code ciphertextDataIntegrityValue} (spec, Appendix C): SHA-256 over the request's AAD
     * then the answer's metadata, IV, ciphertext and tag, with no length prefixes (it guards only
     * against bit flips between the HSM and KMS). Compute it before the check decryption, so that
     * the check covers the values it was computed on.
     */
    public static byte[] integrityValue(byte[] aad, byte[] ciphertextMetadata, byte[] iv, byte[] ciphertext,
                                        byte[] tag) {
        MessageDigest sha256 = sha256();
        for (byte[] part : new byte[][] {aad, ciphertextMetadata, iv, ciphertext, tag}) {
            sha256.update(part);
        }
        return sha256.digest();
    }

    /**
     * The limits of an Encrypt request, checked after the key lookup and authorization.
     *
     * @throws XksException {@link XksError#UNSUPPORTED_OPERATION} above {@value #MAX_PLAINTEXT_BYTES}
     *                      bytes of plaintext or {@value #MAX_AAD_BYTES} bytes of AAD
     */
    public static void checkEncrypt(XksEncryptRequest request) {
        if (request.plaintext().length() > MAX_PLAINTEXT_BYTES) {
            throw new XksException(XksError.UNSUPPORTED_OPERATION,
                    "plaintext is larger than " + MAX_PLAINTEXT_BYTES + " bytes");
        }
        checkAad(request.additionalAuthenticatedData());
    }

    /**
     * The limits and form of a Decrypt request, checked after the key lookup and authorization.
     *
     * @return the metadata, which names the key version to decrypt with
     * @throws XksException {@link XksError#UNSUPPORTED_OPERATION} above the size limits;
     *                      {@link XksError#INVALID_CIPHERTEXT} for an empty ciphertext, an IV that is
     *                      not 12 bytes, a tag that is not 16 bytes, or metadata Coffre did not write
     */
    public static XksCiphertextMetadata checkDecrypt(XksDecryptRequest request) {
        if (request.ciphertext().length > MAX_CIPHERTEXT_BYTES) {
            throw new XksException(XksError.UNSUPPORTED_OPERATION,
                    "ciphertext is larger than " + MAX_CIPHERTEXT_BYTES + " bytes");
        }
        checkAad(request.additionalAuthenticatedData());
        if (request.ciphertext().length == 0 || request.initializationVector().length != IV_BYTES
                || request.authenticationTag().length != TAG_BYTES) {
            throw new XksException(XksError.INVALID_CIPHERTEXT, XksError.INVALID_CIPHERTEXT.defaultMessage());
        }
        return XksCiphertextMetadata.parse(request.ciphertextMetadata());
    }

    /**
     * The Encrypt answer from what the HSM returned: the ciphertext and tag split apart (the spec
     * wants them separate), the metadata, and the integrity value if the request asked for it.
     *
     * @param iv               the IV the HSM used, 12 bytes
     * @param ciphertextAndTag the HSM's output, ciphertext followed by the 16-byte tag
     */
    public static XksEncryptResponse encryptResponse(XksEncryptRequest request, byte[] ciphertextMetadata, byte[] iv,
                                                     byte[] ciphertextAndTag) {
        if (iv.length != IV_BYTES || ciphertextAndTag.length < TAG_BYTES) {
            throw new IllegalArgumentException("AES-GCM output must have a 12-byte IV and a 16-byte tag");
        }
        int split = ciphertextAndTag.length - TAG_BYTES;
        byte[] ciphertext = Arrays.copyOfRange(ciphertextAndTag, 0, split);
        byte[] tag = Arrays.copyOfRange(ciphertextAndTag, split, ciphertextAndTag.length);
        byte[] cdiv = request.integrityValueRequested()
                ? integrityValue(request.additionalAuthenticatedData(), ciphertextMetadata, iv, ciphertext, tag)
                : null;
        return new XksEncryptResponse(ciphertext, ciphertextMetadata, iv, tag, cdiv);
    }

    private static void checkAad(byte[] aad) {
        if (aad.length > MAX_AAD_BYTES) {
            throw new XksException(XksError.UNSUPPORTED_OPERATION,
                    "additionalAuthenticatedData is larger than " + MAX_AAD_BYTES + " bytes");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
