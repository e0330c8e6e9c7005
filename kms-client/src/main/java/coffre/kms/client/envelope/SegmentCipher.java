package coffre.kms.client.envelope;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cryptography of one {@link CoffreEnvelope} message, apart from the streaming: the message key
 * and key commitment derived from the data key and the header (HKDF-SHA-256), and AES-256-GCM of
 * each segment under the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, 2015), as in
 * Tink's AES-GCM-HKDF streaming AEAD: the 12-byte nonce is the message's 7-byte prefix, the
 * segment's 32-bit index, and a byte that is 1 on the last segment only, so segments cannot be
 * reordered, repeated, dropped at the end, or moved between messages. Not thread-safe: one per
 * message.
 */
final class SegmentCipher implements AutoCloseable {

    static final int TAG_BYTES = 16;
    static final long MAX_SEGMENTS = 1L << 32;
    private static final int KEY_BYTES = 32;
    private static final byte[] KEY_LABEL = "coffre envelope v1 key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COMMITMENT_LABEL = "coffre envelope v1 commitment".getBytes(StandardCharsets.US_ASCII);

    private final byte[] keyBytes;
    private final SecretKeySpec key;
    private final byte[] noncePrefix;
    private final byte[] commitment;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];

    private SegmentCipher(byte[] keyBytes, byte[] noncePrefix, byte[] commitment) throws GeneralSecurityException {
        this.keyBytes = keyBytes;
        this.key = new SecretKeySpec(keyBytes, "AES");
        this.noncePrefix = noncePrefix;
        this.commitment = commitment;
        this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    }

    /**
     * Derives the message key and the commitment of {@code header} and {@code associatedData} from
     * {@code dataKey} (32 bytes): PRK = HKDF-Extract(salt = message id, IKM = data key); with
     * H = SHA-256(header body) and A = SHA-256(associated data), the key is
     * HKDF-Expand(PRK, "coffre envelope v1 key" || H || A, 32) and the commitment
     * HKDF-Expand(PRK, "coffre envelope v1 commitment" || H || A, 32).
     */
    static SegmentCipher derive(byte[] dataKey, EnvelopeHeader header, byte[] associatedData) {
        if (dataKey.length != KEY_BYTES) {
            throw new IllegalStateException("a data key of " + dataKey.length + " bytes; the envelope uses 32");
        }
        byte[] prk = null;
        try {
            prk = Hkdf.extract(header.messageId(), dataKey);
            byte[] bound = concat(MessageDigest.getInstance("SHA-256").digest(header.body()),
                    MessageDigest.getInstance("SHA-256").digest(associatedData));
            byte[] keyBytes = Hkdf.expand(prk, concat(KEY_LABEL, bound), KEY_BYTES);
            byte[] commitment = Hkdf.expand(prk, concat(COMMITMENT_LABEL, bound), EnvelopeHeader.COMMITMENT_BYTES);
            return new SegmentCipher(keyBytes, header.noncePrefix(), commitment);
        } catch (GeneralSecurityException e) {
            // HMAC-SHA-256, SHA-256 and AES-GCM are in every JDK.
            throw new IllegalStateException("the JDK lacks an algorithm the envelope needs", e);
        } finally {
            if (prk != null) {
                Arrays.fill(prk, (byte) 0);
            }
        }
    }

    /** The commitment to write after the header. */
    byte[] commitment() {
        return commitment.clone();
    }

    /** Whether {@code candidate} is this message's commitment, in constant time. */
    boolean commitmentMatches(byte[] candidate) {
        return MessageDigest.isEqual(commitment, candidate);
    }

    /** Encrypts {@code length} bytes of {@code in} as segment {@code index} into {@code out}; returns length + 16. */
    int encrypt(long index, boolean last, byte[] in, int length, byte[] out) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, nonce(index, last));
            return cipher.doFinal(in, 0, length, out, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed on a fresh nonce", e);
        }
    }

    /**
     * Decrypts segment {@code index} ({@code length} bytes of {@code in}, tag included) into {@code out}.
     *
     * @throws AEADBadTagException if it is not segment {@code index} of this message, with this finality
     */
    int decrypt(long index, boolean last, byte[] in, int length, byte[] out) throws AEADBadTagException {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, nonce(index, last));
            return cipher.doFinal(in, 0, length, out, 0);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    private GCMParameterSpec nonce(long index, boolean last) {
        if (index < 0 || index >= MAX_SEGMENTS) {
            throw new IllegalArgumentException("segment index " + index + " is out of the 32-bit range");
        }
        System.arraycopy(noncePrefix, 0, nonce, 0, noncePrefix.length);
        ByteBuffer.wrap(nonce, noncePrefix.length, 4).putInt((int) index);
        nonce[11] = (byte) (last ? 1 : 0);
        return new GCMParameterSpec(TAG_BYTES * 8, nonce);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Zeroes the message key (the JDK's own copy inside the key spec is left to the garbage collector). */
    @Override
    public void close() {
        Arrays.fill(keyBytes, (byte) 0);
    }
}
