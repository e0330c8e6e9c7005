package coffre.kms.server.xks;

import coffre.kms.server.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * An HTTPS client of a node's XKS listener for the tests: the JDK's HttpClient (HTTP/2 by ALPN, or
 * HTTP/1.1), trusting the test CA, with a client certificate or none, requests signed by the AWS
 * SDK's SigV4 signer ({@link AwsSdkSigner}: an implementation that shares no code with the server).
 */
public final class XksTestClient {
    private final HttpClient http;
    private final String base;

    /** The answer: status, body, the HTTP version used and the content type. */
    record Response(int status, String body, HttpClient.Version version, String contentType, String allow) {
        /** True when the body is the spec's error body with this errorName. */
        boolean isError(String errorName) {
            return body.startsWith("{\"errorName\":\"" + errorName + "\"");
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    XksTestClient(int port, Path caFile, TestPki.Issued identity, HttpClient.Version version) {
        this.base = "https://127.0.0.1:" + port;
        this.http = HttpClient.newBuilder().version(version).sslContext(ssl(caFile, identity))
                .sslParameters(tls12And13()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static SSLParameters tls12And13() {
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        return parameters;
    }

    /** POST {@code path}, signed by {@code signer} over {@code signedBody}, sending {@code sentBody}. */
    Response post(String path, AwsSdkSigner signer, byte[] signedBody, byte[] sentBody) {
        SigV4Request signed = signer.sign(base + path, signedBody);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofByteArray(sentBody));
        signed.headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host") && !name.equalsIgnoreCase("content-length")) {
                values.forEach(value -> request.header(name, value));
            }
        });
        return send(request.build());
    }

    Response post(String path, AwsSdkSigner signer, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(path, signer, bytes, bytes);
    }

    /** A request with no signature: {@code method} on {@code path}. */
    Response unsigned(String method, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response.version(),
                    response.headers().firstValue("content-type").orElse(""),
                    response.headers().firstValue("allow").orElse(""));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static SSLContext ssl(Path caFile, TestPki.Issued identity) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(caFile)) {
                int i = 0;
                for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trust.setCertificateEntry("ca" + i++, ca);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (identity != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                List<? extends Certificate> chain;
                try (InputStream in = Files.newInputStream(identity.certificate())) {
                    chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
                }
                String pem = Files.readString(identity.privateKey());
                byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
                PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
                keys.setKeyEntry("client", key, new char[0], chain.toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the test TLS context", e);
        }
    }

    /** Standard Base64, as the spec wants. */
    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The value of a string member of a compact JSON answer (tests only: no escaping in these). */
    static String member(String json, String name) {
        String marker = "\"" + name + "\":\"";
        int start = json.indexOf(marker);
        if (start < 0) {
            return null;
        }
        start += marker.length();
        return json.substring(start, json.indexOf('"', start));
    }

    static Map<String, String> none() {
        return Map.of();
    }
}
