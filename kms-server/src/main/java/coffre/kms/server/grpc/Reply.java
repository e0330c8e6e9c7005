package coffre.kms.server.grpc;

import coffre.kms.server.domain.SecretBytes;

/**
 * A handler's answer, plus the secret to zero once the answer has been written to the wire
 * (the plaintext of an unwrap or a data key), if any.
 */
public record Reply<Resp>(Resp message, SecretBytes secret) {

    public static <Resp> Reply<Resp> of(Resp message) {
        return new Reply<>(message, null);
    }

    public static <Resp> Reply<Resp> withSecret(Resp message, SecretBytes secret) {
        return new Reply<>(message, secret);
    }

    /** Zeroes the secret, if any. */
    void release() {
        if (secret != null) {
            secret.close();
        }
    }
}
