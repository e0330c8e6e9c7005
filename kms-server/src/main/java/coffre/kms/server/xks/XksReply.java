package coffre.kms.server.xks;

import coffre.kms.server.domain.SecretBytes;

/**
 * A 200 answer's body: plain bytes, or a body that holds a plaintext ({@code Decrypt}) and is
 * zeroed by {@link #release()} once written to the connection (or dropped, when the call was
 * answered otherwise in the meantime).
 */
final class XksReply {
    private final byte[] body;
    private final SecretBytes secret;

    private XksReply(byte[] body, SecretBytes secret) {
        this.body = body;
        this.secret = secret;
    }

    static XksReply of(byte[] body) {
        return new XksReply(body, null);
    }

    static XksReply secret(SecretBytes body) {
        return new XksReply(null, body);
    }

    /** The bytes to write; for a secret body, the live array (write a copy, then release). */
    byte[] bytes() {
        return secret != null ? secret.reveal() : body;
    }

    void release() {
        if (secret != null) {
            secret.close();
        }
    }

    @Override
    public String toString() {
        return "XksReply[" + (secret != null ? secret : body.length + " bytes") + "]";
    }
}
