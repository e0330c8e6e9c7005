package coffre.kms.server.keystores;

import java.util.Arrays;
import java.util.Objects;

/**
 * A credential just made, with its secret: what the administrator who asked receives once (the
 * AWS KMS console's proxy configuration: URI path, access key id, secret) and what Coffre keeps
 * only inside the HSM. The secret is a {@code char[]} so that {@link #close()} can zero it once
 * the answer is built; {@link #toString()} never shows it.
 *
 * @param secret 44 characters of standard Base64, used by SigV4 as the literal ASCII string
 */
public record NewCredential(String keyStoreId, String accessKeyId, String uriPath, char[] secret)
        implements AutoCloseable {

    public NewCredential {
        Objects.requireNonNull(keyStoreId, "keyStoreId");
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(uriPath, "uriPath");
        Objects.requireNonNull(secret, "secret");
    }

    /** Zeroes the secret. */
    @Override
    public void close() {
        Arrays.fill(secret, '\0');
    }

    @Override
    public String toString() {
        return "NewCredential[keyStoreId=" + keyStoreId + ", accessKeyId=" + accessKeyId + ", uriPath=" + uriPath
                + ", secret=(redacted)]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NewCredential that && keyStoreId.equals(that.keyStoreId)
                && accessKeyId.equals(that.accessKeyId) && uriPath.equals(that.uriPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyStoreId, accessKeyId, uriPath);
    }
}
