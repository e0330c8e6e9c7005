package coffre.kms.loadtest;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends XKS proxy API calls ({@code xks-encrypt}, {@code xks-decrypt}, {@code xks-metadata},
 * {@code xks-health}) through an {@link XksClient}, as {@link GrpcCallSender} sends gRPC calls: the
 * body built per call ({@link XksBodies}, fresh {@code kmsRequestId}), signed, sent; a 200 is a
 * success, any other answer a failure named by its status and {@code errorName}
 * ({@link XksErrorReasons}). Answers are not checked further, as in the gRPC mode.
 */
final class XksCallSender implements CallSender {
    private final XksClient client;
    private final XksEndpoint endpoint;
    private final XksBodies bodies;
    private final XksCiphertextPool ciphertexts;

    /** @param ciphertexts may be null when the mix has no xks-decrypt */
    XksCallSender(XksClient client, XksEndpoint endpoint, XksBodies bodies, XksCiphertextPool ciphertexts) {
        this.client = client;
        this.endpoint = endpoint;
        this.bodies = bodies;
        this.ciphertexts = ciphertexts;
    }

    @Override
    public void send(Operation op, CallListener listener) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String path;
        byte[] body;
        switch (op) {
            case XKS_ENCRYPT -> {
                String key = bodies.key(random);
                path = endpoint.keyPath(key, "encrypt");
                body = bodies.encrypt(key);
            }
            case XKS_DECRYPT -> {
                XksCiphertext c = ciphertexts().pick(random);
                path = endpoint.keyPath(c.keyId(), "decrypt");
                body = bodies.decrypt(c);
            }
            case XKS_METADATA -> {
                String key = bodies.key(random);
                path = endpoint.keyPath(key, "metadata");
                body = bodies.metadata(key);
            }
            case XKS_HEALTH -> {
                path = endpoint.healthPath();
                body = bodies.health();
            }
            default -> throw new IllegalArgumentException(op.cliName() + " is not an XKS operation");
        }
        client.post(path, body).onComplete(answer -> {
            if (answer.failed()) {
                listener.failed(XksErrorReasons.of(answer.cause()));
            } else if (answer.result().status() == 200) {
                listener.succeeded();
            } else {
                listener.failed(XksErrorReasons.of(answer.result().status(), answer.result().body()));
            }
        });
    }

    private XksCiphertextPool ciphertexts() {
        if (ciphertexts == null) {
            throw new IllegalStateException("no ciphertext pool: xks-decrypt needs one");
        }
        return ciphertexts;
    }
}
