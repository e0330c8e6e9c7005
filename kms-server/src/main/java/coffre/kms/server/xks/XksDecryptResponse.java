package coffre.kms.server.xks;

import coffre.kms.server.domain.SecretBytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The Decrypt answer, {@code {"plaintext":"<Base64>"}}. The plaintext stays in {@link SecretBytes}
 * and the JSON body is itself returned as one, built in a single array without a {@code String}
 * on the way, so both can be zeroed once written to the connection.
 *
 * @param plaintext the decrypted bytes; {@link #close()} zeroes them
 */
public record XksDecryptResponse(SecretBytes plaintext) implements AutoCloseable {
    private static final byte[] HEAD = "{\"plaintext\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "\"}".getBytes(StandardCharsets.US_ASCII);

    public XksDecryptResponse {
        if (plaintext == null) {
            throw new IllegalArgumentException("a decrypt answer has a plaintext");
        }
    }

    /**
     * The compact JSON body. Base64 needs no JSON escaping, so the body is written directly.
     * The caller closes it after writing it out.
     */
    public SecretBytes toJson() {
        byte[] encoded = Base64.getEncoder().encode(plaintext.reveal());
        try {
            byte[] body = new byte[HEAD.length + encoded.length + TAIL.length];
            System.arraycopy(HEAD, 0, body, 0, HEAD.length);
            System.arraycopy(encoded, 0, body, HEAD.length, encoded.length);
            System.arraycopy(TAIL, 0, body, HEAD.length + encoded.length, TAIL.length);
            return SecretBytes.adopt(body);
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    /** Zeroes the plaintext. */
    @Override
    public void close() {
        plaintext.close();
    }
}
