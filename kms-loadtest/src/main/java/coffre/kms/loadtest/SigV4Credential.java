package coffre.kms.loadtest;

import coffre.kms.server.keystores.XksCredentialRules;

/**
 * The SigV4 credential the load tool signs its XKS requests with: a key store's access key id and
 * its secret access key, checked with the server's own rules ({@link XksCredentialRules}). The
 * secret never prints ({@link #toString()}); it is a {@code String} because the AWS SDK's signer
 * takes one, and it lives as long as the run.
 */
public final class SigV4Credential {
    private final String accessKeyId;
    private final String secret;

    /**
     * @throws IllegalArgumentException if either breaks the rules of its form (the message never
     *     holds the secret)
     */
    public SigV4Credential(String accessKeyId, char[] secret) {
        this.accessKeyId = XksCredentialRules.requireValidAccessKeyId(accessKeyId);
        XksCredentialRules.requireValidSecret(secret);
        this.secret = new String(secret);
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    /** For the signer only. */
    String secret() {
        return secret;
    }

    @Override
    public String toString() {
        return "SigV4Credential[accessKeyId=" + accessKeyId + ", secret=(redacted)]";
    }
}
