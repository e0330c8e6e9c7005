package coffre.kms.server.xks;

import java.nio.ByteBuffer;

/**
 * The {@code ciphertextMetadata} Coffre returns from Encrypt and reads back on Decrypt: which key
 * version made the ciphertext, so a ciphertext made before a rotation still decrypts after it.
 * AWS KMS stores it opaquely in its ciphertext blob and sends it back; the spec lets a proxy use up
 * to 20 bytes "for internal housekeeping, e.g. ... key rotation", and since it is bound into the
 * GCM tag (see {@link XksAesGcm#gcmAad}) any change to it fails decryption.
 *
 * <p>Layout, 5 bytes:
 * <pre>
 *   byte 0     format, 0x01: AES-256-GCM, 12-byte IV, 16-byte tag, gcmAAD = u16(len AAD) ‖ AAD ‖ u8(len CM) ‖ CM
 *   bytes 1–4  the Coffre key version, unsigned 32-bit big-endian, 1 … 2^31−1
 * </pre>
 * A later format (another AAD construction, as the spec suggests recording) takes another first
 * byte and may use up to 20 bytes; old ciphertexts keep decrypting under format 0x01.
 *
 * @param keyVersion the Coffre key version, ≥ 1
 */
public record XksCiphertextMetadata(int keyVersion) {
    public static final byte FORMAT_V1 = 0x01;
    public static final int V1_LENGTH = 5;
    /** The spec: "a maximum of 20 bytes"; AWS KMS refuses an Encrypt answer with more. */
    public static final int MAX_LENGTH = 20;

    public XksCiphertextMetadata {
        if (keyVersion < 1) {
            throw new IllegalArgumentException("key versions start at 1");
        }
    }

    /** The bytes to send (Base64) as {@code ciphertextMetadata} and bind into the AAD. */
    public byte[] encode() {
        return ByteBuffer.allocate(V1_LENGTH).put(FORMAT_V1).putInt(keyVersion).array();
    }

    /**
     * Reads the metadata of a Decrypt request.
     *
     * @param metadata the decoded {@code ciphertextMetadata}; empty when the request had none
     * @throws XksException {@link XksError#INVALID_CIPHERTEXT} for anything Coffre did not write:
     *                      absent (Coffre always writes one), too long, another format, version 0
     *                      or negative. One message for all, so the parser is no oracle.
     */
    public static XksCiphertextMetadata parse(byte[] metadata) {
        if (metadata == null || metadata.length != V1_LENGTH || metadata[0] != FORMAT_V1) {
            throw invalid();
        }
        int version = ByteBuffer.wrap(metadata, 1, 4).getInt();
        if (version < 1) {
            throw invalid();
        }
        return new XksCiphertextMetadata(version);
    }

    private static XksException invalid() {
        return new XksException(XksError.INVALID_CIPHERTEXT, XksError.INVALID_CIPHERTEXT.defaultMessage());
    }
}
