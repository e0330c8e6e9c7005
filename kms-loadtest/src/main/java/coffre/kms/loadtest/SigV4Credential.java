package coffre.kms.loadtest;

import coffre.kms.server.keystores.XksCredentialRules;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The SigV4 credential the load tool signs its XKS requests with: a key store's access key id and
 * its secret access key, checked with the server's own rules ({@link XksCredentialRules}). The
 * secret never prints ({@link #toString()}); it is kept, for the run, as the bytes SigV4's first
 * derivation step takes as its key ({@code "AWS4" + secret}), never as a {@code String}.
 */
public final class SigV4Credential {
    private final String accessKeyId;
    private final byte[] signingSecret;

    /**
     * @throws IllegalArgumentException if either breaks the rules of its form (the message never
     *     holds the secret)
     */
    public SigV4Credential(String accessKeyId, char[] secret) {
        this.accessKeyId = XksCredentialRules.requireValidAccessKeyId(accessKeyId);
        XksCredentialRules.requireValidSecret(secret);
        ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
        byte[] key = new byte[4 + utf8.remaining()];
        System.arraycopy("AWS4".getBytes(StandardCharsets.US_ASCII), 0, key, 0, 4);
        utf8.get(key, 4, utf8.remaining());
        if (utf8.hasArray()) {
            Arrays.fill(utf8.array(), (byte) 0);
        }
        this.signingSecret = key;
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    /** For the signer only: a copy of {@code "AWS4" + secret} in UTF-8 (the caller may zero it). */
    byte[] signingSecret() {
        return signingSecret.clone();
    }

    @Override
    public String toString() {
        return "SigV4Credential[accessKeyId=" + accessKeyId + ", secret=(redacted)]";
    }
}
