package coffre.kms.server.crypto;

import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.KeyId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A wrapped data key as Coffre hands it out: self-describing and versioned. Format 1 (layout in
 * {@code docs/envelope-format.md}, pinned by test vectors):
 *
 * <pre>
 *   offset  size  field
 *   0       1     format = 0x01
 *   1       1     L = length of the key id in bytes (1..64)
 *   2       L     key id, ASCII
 *   2+L     4     key version, big-endian uint32 (>= 1)
 *   6+L     12    GCM IV
 *   18+L    n+16  AES-256-GCM ciphertext followed by the 16-byte tag
 * </pre>
 *
 * The GCM additional data is the header (bytes {@code 0 .. 6+L}) followed by the canonical
 * encoding of the encryption context, so neither can be swapped without failing authentication.
 */
public record Envelope(KeyId keyId, int keyVersion, byte[] iv, byte[] ciphertextAndTag) {
    public static final byte FORMAT_V1 = 0x01;
    public static final int IV_LENGTH = 12;
    public static final int TAG_LENGTH = 16;
    private static final int MAX_KEY_ID_LENGTH = 64;

    public Envelope {
        if (keyVersion < 1 || iv.length != IV_LENGTH || ciphertextAndTag.length < TAG_LENGTH) {
            throw new IllegalArgumentException("invalid envelope fields");
        }
    }

    /** The header bytes that open the envelope and start its additional data. */
    public static byte[] header(KeyId keyId, int keyVersion) {
        byte[] id = keyId.value().getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(6 + id.length)
                .put(FORMAT_V1).put((byte) id.length).put(id).putInt(keyVersion)
                .array();
    }

    /** The GCM additional data: header followed by the canonical encryption context. */
    public static byte[] additionalData(KeyId keyId, int keyVersion, EncryptionContext context) {
        byte[] header = header(keyId, keyVersion);
        byte[] aad = new byte[header.length + context.canonicalLength()];
        System.arraycopy(header, 0, aad, 0, header.length);
        context.copyCanonicalInto(aad, header.length);
        return aad;
    }

    public byte[] encode() {
        byte[] header = header(keyId, keyVersion);
        return ByteBuffer.allocate(header.length + IV_LENGTH + ciphertextAndTag.length)
                .put(header).put(iv).put(ciphertextAndTag)
                .array();
    }

    /**
     * Parses an envelope. Every malformation fails with {@link ErrorReason#DECRYPTION_FAILED},
     * the same answer as an authentication failure, so the parser is no oracle.
     */
    public static Envelope decode(byte[] bytes) {
        if (bytes == null || bytes.length < 2 || bytes[0] != FORMAT_V1) {
            throw KmsException.decryptionFailed();
        }
        int idLength = bytes[1] & 0xff;
        if (idLength == 0 || idLength > MAX_KEY_ID_LENGTH || bytes.length < 6 + idLength + IV_LENGTH + TAG_LENGTH) {
            throw KmsException.decryptionFailed();
        }
        String id = new String(bytes, 2, idLength, StandardCharsets.US_ASCII);
        if (!KeyId.isWellFormed(id)) {
            throw KmsException.decryptionFailed();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 2 + idLength, bytes.length - 2 - idLength);
        int version = buffer.getInt();
        if (version < 1) {
            throw KmsException.decryptionFailed();
        }
        byte[] iv = new byte[IV_LENGTH];
        buffer.get(iv);
        byte[] rest = new byte[buffer.remaining()];
        buffer.get(rest);
        return new Envelope(new KeyId(id), version, iv, rest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope other && java.util.Arrays.equals(encode(), other.encode());
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "Envelope[" + keyId + " v" + keyVersion + ", " + ciphertextAndTag.length + " bytes]";
    }
}
