package coffre.kms.loadtest;

import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.random.RandomGenerator;

/**
 * Ciphertexts made before an {@code xks-decrypt} run, as {@link EnvelopePool} makes envelopes for
 * unwrap: ciphertext {@code i} is the run's plaintext encrypted under external key
 * {@code i mod keys} with the run's AAD, so every key is used when the pool is at least as large as
 * the key set. Each is kept as the Encrypt answer gave it ({@link XksCiphertext}).
 */
final class XksCiphertextPool {
    private static final int IN_FLIGHT = 64;
    private static final int RETRIES = 3;

    private final List<XksCiphertext> ciphertexts;

    XksCiphertextPool(List<XksCiphertext> ciphertexts) {
        if (ciphertexts.isEmpty()) {
            throw new IllegalArgumentException("empty ciphertext pool");
        }
        this.ciphertexts = List.copyOf(ciphertexts);
    }

    /**
     * Encrypts {@code count} ciphertexts through the XKS API, {@value #IN_FLIGHT} calls at a time.
     *
     * @throws IllegalStateException with the first failure's reason (and the proxy's errorMessage)
     */
    static XksCiphertextPool make(XksClient client, XksEndpoint endpoint, XksBodies bodies, int count,
                                  long timeoutMillis) throws InterruptedException {
        AtomicReferenceArray<XksCiphertext> made = new AtomicReferenceArray<>(count);
        AtomicReference<String> failure = new AtomicReference<>();
        Semaphore slots = new Semaphore(IN_FLIGHT);
        for (int i = 0; i < count && failure.get() == null; i++) {
            slots.acquire();
            int index = i;
            String keyId = bodies.key(i);
            encrypt(client, endpoint, bodies, keyId, RETRIES).onComplete(answer -> {
                try {
                    if (answer.failed()) {
                        failure.compareAndSet(null, "encrypt under " + keyId + " got no answer: "
                                + XksErrorReasons.of(answer.cause()) + " (" + answer.cause().getMessage() + ")");
                    } else if (answer.result().status() != 200) {
                        failure.compareAndSet(null, "encrypt under " + keyId + " failed: "
                                + XksErrorReasons.of(answer.result().status(), answer.result().body())
                                + errorMessage(answer.result()));
                    } else {
                        made.set(index, ciphertext(keyId, answer.result()));
                    }
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, "encrypt under " + keyId + ": " + e.getMessage());
                } finally {
                    slots.release();
                }
            });
        }
        if (!slots.tryAcquire(IN_FLIGHT, timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("encrypting the ciphertext pool timed out");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("cannot prepare ciphertexts for xks-decrypt: " + failure.get());
        }
        XksCiphertext[] all = new XksCiphertext[count];
        for (int i = 0; i < count; i++) {
            all[i] = made.get(i);
        }
        return new XksCiphertextPool(List.of(all));
    }

    /**
     * One Encrypt, sent again (at most {@code retries} times) while the proxy answers 503
     * DependencyTimeoutException or 429 ThrottlingException, as AWS KMS retries them: on a busy
     * machine the first calls, before the server's JIT has compiled its XKS path, may miss the
     * proxy's deadline, and one of them would otherwise stop the whole run.
     */
    private static Future<XksClient.Answer> encrypt(XksClient client, XksEndpoint endpoint, XksBodies bodies,
                                                   String keyId, int retries) {
        return client.post(endpoint.keyPath(keyId, "encrypt"), bodies.encrypt(keyId)).compose(answer ->
                retries > 0 && (answer.status() == 503 || answer.status() == 429)
                        ? encrypt(client, endpoint, bodies, keyId, retries - 1)
                        : Future.succeededFuture(answer));
    }

    /** The members a Decrypt sends back, from a 200 Encrypt answer. */
    static XksCiphertext ciphertext(String keyId, XksClient.Answer answer) {
        JsonObject json;
        try {
            json = new JsonObject(answer.body());
        } catch (DecodeException e) {
            throw new IllegalStateException("the Encrypt answer is not JSON");
        }
        return new XksCiphertext(keyId, required(json, "ciphertext"), optional(json, "ciphertextMetadata"),
                required(json, "initializationVector"), required(json, "authenticationTag"));
    }

    private static String required(JsonObject json, String member) {
        String value = optional(json, member);
        if (value == null) {
            throw new IllegalStateException("the Encrypt answer has no " + member);
        }
        return value;
    }

    private static String optional(JsonObject json, String member) {
        Object value = json.getValue(member);
        if (value != null && !(value instanceof String)) {
            throw new IllegalStateException("the Encrypt answer's " + member + " is not a string");
        }
        return (String) value;
    }

    /** The proxy's errorMessage (printable ASCII by the spec), for the one failure that stops the preparation. */
    private static String errorMessage(XksClient.Answer answer) {
        try {
            Object message = new JsonObject(answer.body()).getValue("errorMessage");
            return message instanceof String s ? " (" + s.replaceAll("[^\\x20-\\x7e]", "?") + ")" : "";
        } catch (DecodeException e) {
            return "";
        }
    }

    XksCiphertext pick(RandomGenerator random) {
        return ciphertexts.get(random.nextInt(ciphertexts.size()));
    }

    int size() {
        return ciphertexts.size();
    }
}
