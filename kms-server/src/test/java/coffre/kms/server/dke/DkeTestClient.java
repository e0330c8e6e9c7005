package coffre.kms.server.dke;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Cipher;
import coffre.kms.server.xks.XksTestClient;

/**
 * A DKE client as an Office app behaves, for the tests: fetch a key's public half from
 * {@code <service>/<key name>}, encrypt to it with the JDK's RSA-OAEP-256 (SHA-256, MGF1-SHA-256),
 * and ask {@code <kid>/decrypt} for the plaintext back — all over HTTPS with a bearer token.
 * The request goes to the node's port on 127.0.0.1, while the {@code kid} names the public
 * service URL: its path is what is called.
 */
final class DkeTestClient {
    private final HttpClient http;
    private final int port;

    record Response(int status, String body, String contentType, String challenge, String allow, String requestId) {
        JsonObject json() {
            return new JsonObject(Buffer.buffer(body));
        }
    }

    /** A fetched public key: the JWK's fields as sent, and the key they make. */
    record PublicKey(String kid, RSAPublicKey key, String cacheExp) {
    }

    DkeTestClient(int port, Path caFile, HttpClient.Version version) {
        this.port = port;
        this.http = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5))
                .sslContext(XksTestClient.ssl(caFile, null)).build();
    }

    Response get(String path, String token) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), token);
    }

    /** {@code GET path} with the caller's own {@code x-request-id}. */
    Response getWithRequestId(String path, String token, String requestId) {
        return send(HttpRequest.newBuilder(uri(path)).header("x-request-id", requestId).GET(), token);
    }

    /** {@code GET path} under a caller's W3C trace context. */
    Response get(String path, String token, String traceparent) {
        return send(HttpRequest.newBuilder(uri(path)).header("traceparent", traceparent).GET(), token);
    }

    Response post(String path, String token, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)), token);
    }

    Response send(String method, String path, String token) {
        return send(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody()), token);
    }

    /** {@code GET /<key name>}, answered 200 and parsed. */
    PublicKey publicKey(String keyName, String token) {
        Response response = get("/" + keyName + "?protocol-version=1.0", token);
        if (response.status() != 200) {
            throw new AssertionError("GET /" + keyName + ": " + response.status() + " " + response.body());
        }
        JsonObject key = response.json().getJsonObject("key");
        try {
            RSAPublicKey rsa = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                    new BigInteger(1, Base64.getDecoder().decode(key.getString("n"))),
                    BigInteger.valueOf(key.getLong("e"))));
            JsonObject cache = response.json().getJsonObject("cache");
            return new PublicKey(key.getString("kid"), rsa, cache == null ? null : cache.getString("exp"));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** What Office does to protect a document's key: RSA-OAEP-256 to the fetched public key. */
    static byte[] encrypt(RSAPublicKey key, byte[] plaintext) {
        try {
            Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
            oaep.init(Cipher.ENCRYPT_MODE, key, FakeDkeKeys.OAEP_SHA256);
            return oaep.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code POST <kid path>/decrypt}. */
    Response decrypt(String kid, String token, byte[] ciphertext) {
        String path = URI.create(kid).getPath() + "/decrypt";
        return post(path, token, "{\"alg\":\"RSA-OAEP-256\",\"value\":\"" + Base64.getEncoder().encodeToString(ciphertext)
                + "\"}");
    }

    private URI uri(String path) {
        return URI.create("https://127.0.0.1:" + port + path);
    }

    private Response send(HttpRequest.Builder request, String token) {
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(),
                    response.headers().firstValue("content-type").orElse(""),
                    response.headers().firstValue("www-authenticate").orElse(null),
                    response.headers().firstValue("allow").orElse(null),
                    response.headers().firstValue("x-request-id").orElse(null));
        } catch (IOException e) {
            throw new AssertionError("DKE request failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
