package coffre.kms.loadtest;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.xks.SigV4Request;
import coffre.kms.server.xks.SigV4Verifier;
import coffre.kms.server.xks.XksAesGcm;
import coffre.kms.server.xks.XksCiphertextMetadata;
import coffre.kms.server.xks.XksDecryptRequest;
import coffre.kms.server.xks.XksDecryptResponse;
import coffre.kms.server.xks.XksEncryptRequest;
import coffre.kms.server.xks.XksError;
import coffre.kms.server.xks.XksException;
import coffre.kms.server.xks.XksHealthResponse;
import coffre.kms.server.xks.XksKeyMetadataResponse;
import coffre.kms.server.xks.XksMethodNotAllowedException;
import coffre.kms.server.xks.XksPaths;
import coffre.kms.server.xks.XksRequestMetadata;
import coffre.kms.server.xks.XksRequests;
import coffre.kms.server.xks.XksRoute;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A tiny XKS proxy for the load tool's tests, answering as the spec (and Coffre's edge) does, with
 * no dependency on the server's listener: HTTPS with ALPN (h2, http/1.1), optional mTLS, and the
 * server's own protocol core for everything that decides an answer — {@link XksPaths} routes,
 * {@link SigV4Verifier} checks the signature over the bytes and the authority received,
 * {@link XksRequests} parses the bodies, {@link XksAesGcm} binds the AAD and metadata, and
 * {@link XksException} writes the error bodies. The keys are JDK AES-256 keys in memory.
 *
 * <p>Keys: {@link #KEY_A} and {@link #KEY_B} work; {@link #KEY_DISABLED} answers metadata
 * {@code DISABLED} and encrypt/decrypt {@code InvalidStateException}; any other id is
 * {@code KeyNotFoundException}. It counts what it answered and remembers the kmsRequestIds, the
 * authorities and the HTTP versions it saw.
 */
final class XksTestProxy implements AutoCloseable {
    static final String URI_PATH = "/loadtest/store-1/kms/xks/v1";
    static final String REGION = "eu-west-3";
    static final String ACCESS_KEY_ID = "LOADTESTXKS2ACCESSKEY7";
    static final String SECRET = "c2VjcmV0LWZvci10aGUtbG9hZC10b29sLXRlc3RzIQ==";
    static final String KEY_A = "bench-key-a";
    static final String KEY_B = "bench.key_b";
    static final String KEY_DISABLED = "disabled-key";

    final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
    final Set<String> requestIds = ConcurrentHashMap.newKeySet();
    final Set<String> authorities = ConcurrentHashMap.newKeySet();
    final Set<HttpVersion> versions = ConcurrentHashMap.newKeySet();
    final AtomicLong delayMillis = new AtomicLong();
    /** How many of the next signed calls to answer 503 DependencyTimeoutException, as a busy proxy does. */
    final AtomicInteger busyAnswers = new AtomicInteger();

    private final Vertx vertx = Vertx.vertx();
    private final SigV4Verifier verifier;
    private final Map<String, SecretKey> keys = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final HttpServer server;

    static {
        SecretLedger.record(SECRET);
    }

    /**
     * @param clientCa when not null, a client certificate chaining to it is required (mTLS)
     */
    XksTestProxy(TestPki.Issued serverCert, java.nio.file.Path clientCa) throws Exception {
        this(serverCert, clientCa, List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    }

    /** @param alpn the protocols offered, in order (HTTP/1.1 alone: a proxy without HTTP/2) */
    XksTestProxy(TestPki.Issued serverCert, java.nio.file.Path clientCa, List<HttpVersion> alpn) throws Exception {
        this.verifier = new SigV4Verifier(REGION, XksTestProxy::dateKey, Clock.systemUTC());
        KeyGenerator aes = KeyGenerator.getInstance("AES");
        aes.init(256);
        for (String id : List.of(KEY_A, KEY_B, KEY_DISABLED)) {
            keys.put(id, aes.generateKey());
        }
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
                .setUseAlpn(true).setAlpnVersions(alpn)
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(serverCert.certificate().toString())
                        .setKeyPath(serverCert.privateKey().toString()));
        if (clientCa != null) {
            options.setClientAuth(ClientAuth.REQUIRED).setTrustOptions(new PemTrustOptions().addCertPath(clientCa.toString()));
        }
        server = vertx.createHttpServer(options)
                .requestHandler(request -> request.body().onSuccess(body -> {
                    long delay = delayMillis.get();
                    if (delay > 0) {
                        vertx.setTimer(delay, t -> answer(request, body));
                    } else {
                        answer(request, body);
                    }
                }))
                .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    String uri() {
        return "https://localhost:" + port() + URI_PATH;
    }

    int count(String what) {
        AtomicInteger n = answered.get(what);
        return n == null ? 0 : n.get();
    }

    /** HMAC("AWS4" + secret, date): what the HSM computes for the real listener. */
    static Optional<byte[]> dateKey(String accessKeyId, String yyyymmdd) {
        if (!ACCESS_KEY_ID.equals(accessKeyId)) {
            return Optional.empty();
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(("AWS4" + SECRET).getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return Optional.of(mac.doFinal(yyyymmdd.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void answer(HttpServerRequest request, Buffer received) {
        versions.add(request.version());
        byte[] body = received.getBytes();
        try {
            XksRoute route = XksPaths.route(request.method().name(), request.uri());
            if (!route.uriPath().equals(URI_PATH)) {
                throw new XksException(XksError.INVALID_URI_PATH, "no key store at this path");
            }
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (Map.Entry<String, String> header : request.headers()) {
                headers.add(header);
            }
            if (request.version() == HttpVersion.HTTP_2) {
                // What the listener does: the authority arrives as :authority, signed as host.
                headers.add(Map.entry(":authority", request.authority().toString()));
            }
            authorities.add(request.authority().toString());
            verifier.verify(SigV4Request.of(request.method().name(), request.path(), headers, body));
            if (busyAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new XksException(XksError.DEPENDENCY_TIMEOUT, "no answer within 150 ms");
            }
            byte[] answer = switch (route.operation()) {
                case GET_HEALTH_STATUS -> health(body);
                case GET_KEY_METADATA -> metadata(route.externalKeyId(), body);
                case ENCRYPT -> encrypt(route.externalKeyId(), body);
                case DECRYPT -> decrypt(route.externalKeyId(), body);
            };
            tally(route.operation().pathSegment());
            request.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(answer));
        } catch (XksMethodNotAllowedException e) {
            request.response().setStatusCode(XksMethodNotAllowedException.HTTP_STATUS)
                    .putHeader("Allow", XksMethodNotAllowedException.ALLOW).end();
        } catch (XksException e) {
            tally(e.error().errorName());
            request.response().setStatusCode(e.httpStatus()).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(e.toJsonBody()));
        }
    }

    private void tally(String what) {
        answered.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }

    private void seen(XksRequestMetadata metadata) {
        requestIds.add(metadata.kmsRequestId());
    }

    private byte[] health(byte[] body) {
        seen(XksRequests.parseHealth(body));
        return new XksHealthResponse(1, "Coffre", "XksTestProxy", "SoftHSM", List.of(
                new XksHealthResponse.EkmFleetDetail("hsm-1", "in memory", XksHealthResponse.HealthStatus.ACTIVE)))
                .toJson();
    }

    private byte[] metadata(String keyId, byte[] body) {
        seen(XksRequests.parseKeyMetadata(body));
        key(keyId);
        return new XksKeyMetadataResponse(KEY_DISABLED.equals(keyId) ? XksKeyMetadataResponse.KeyStatus.DISABLED
                : XksKeyMetadataResponse.KeyStatus.ENABLED).toJson();
    }

    private byte[] encrypt(String keyId, byte[] body) {
        try (XksEncryptRequest request = XksRequests.parseEncrypt(body)) {
            seen(request.requestMetadata());
            SecretKey key = usableKey(keyId);
            XksAesGcm.checkEncrypt(request);
            byte[] metadata = new XksCiphertextMetadata(1).encode();
            byte[] iv = new byte[XksAesGcm.IV_BYTES];
            random.nextBytes(iv);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            gcm.updateAAD(XksAesGcm.gcmAad(request.additionalAuthenticatedData(), metadata));
            return XksAesGcm.encryptResponse(request, metadata, iv, gcm.doFinal(request.plaintext().reveal())).toJson();
        } catch (GeneralSecurityException e) {
            throw new XksException(XksError.INTERNAL, "encryption failed");
        }
    }

    private byte[] decrypt(String keyId, byte[] body) {
        XksDecryptRequest request = XksRequests.parseDecrypt(body);
        seen(request.requestMetadata());
        SecretKey key = usableKey(keyId);
        XksAesGcm.checkDecrypt(request);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, request.initializationVector()));
            gcm.updateAAD(XksAesGcm.gcmAad(request.additionalAuthenticatedData(), request.ciphertextMetadata()));
            try (XksDecryptResponse answer = new XksDecryptResponse(SecretBytes.adopt(
                    gcm.doFinal(request.ciphertextAndTag()))); SecretBytes json = answer.toJson()) {
                return json.reveal().clone();
            }
        } catch (GeneralSecurityException e) {
            throw new XksException(XksError.INVALID_CIPHERTEXT, XksError.INVALID_CIPHERTEXT.defaultMessage());
        }
    }

    private SecretKey key(String keyId) {
        SecretKey key = keys.get(keyId);
        if (key == null) {
            throw new XksException(XksError.KEY_NOT_FOUND, XksError.KEY_NOT_FOUND.defaultMessage());
        }
        return key;
    }

    private SecretKey usableKey(String keyId) {
        SecretKey key = key(keyId);
        if (KEY_DISABLED.equals(keyId)) {
            throw new XksException(XksError.INVALID_STATE, XksError.INVALID_STATE.defaultMessage());
        }
        return key;
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
