package coffre.kms.loadtest;

import io.vertx.core.http.HttpVersion;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

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
        client.call(path, body).onComplete(answer -> {
            if (answer.failed()) {
                listener.failed(XksErrorReasons.of(answer.cause()));
            } else if (answer.result().status() == 200) {
                listener.succeeded();
            } else {
                listener.failed(XksErrorReasons.of(answer.result().status(), answer.result().body()));
            }
        });
    }

    /**
     * The XKS mode's preparation: {@code ciphertexts} encrypted first when the mix decrypts, then the
     * sender; after the run, the HTTP versions the answers came over (with a warning on {@code err}
     * if HTTP/2 was asked and ALPN chose HTTP/1.1, which serves one call per connection at a time).
     */
    static Preparation preparation(XksClient client, XksEndpoint endpoint, XksBodies bodies, OperationMix mix,
                                   int ciphertexts, boolean http2, PrintStream err) {
        return timeoutMillis -> {
            XksCiphertextPool pool = null;
            if (mix.needsEnvelopes()) {
                err.printf("preparing %,d ciphertexts for xks-decrypt...%n", ciphertexts);
                pool = XksCiphertextPool.make(client, endpoint, bodies, ciphertexts, Math.max(timeoutMillis, 60_000));
            }
            return new Preparation.Prepared(new XksCallSender(client, endpoint, bodies, pool),
                    pool == null ? 0 : pool.size(), () -> {
                        if (http2 && client.versionsSeen().contains(HttpVersion.HTTP_1_1)) {
                            err.println("warning: the XKS listener chose HTTP/1.1 (ALPN): one call at a time per "
                                    + "connection; measure it with --xks-http-version 1.1 (a pool of "
                                    + "--xks-connections, default 64)");
                        }
                        return Map.of("httpVersions", client.versionsSeen().stream().map(Enum::name).sorted()
                                .collect(Collectors.joining(",")));
                    });
        };
    }

    private XksCiphertextPool ciphertexts() {
        if (ciphertexts == null) {
            throw new IllegalStateException("no ciphertext pool: xks-decrypt needs one");
        }
        return ciphertexts;
    }
}
