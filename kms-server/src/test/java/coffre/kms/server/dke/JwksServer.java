package coffre.kms.server.dke;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A tiny JWK set server on 127.0.0.1 for tests (the JDK's HTTP server), HTTPS or plain HTTP,
 * counting the fetches so tests can see the cache and its rate limit at work.
 */
final class JwksServer implements AutoCloseable {
    private final HttpServer server;
    private final AtomicInteger fetches = new AtomicInteger();
    private final String scheme;

    private JwksServer(HttpServer server, String scheme, Supplier<String> jwks) {
        this.server = server;
        this.scheme = scheme;
        server.createContext("/keys", exchange -> {
            fetches.incrementAndGet();
            byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    static JwksServer http(Supplier<String> jwks) {
        try {
            return new JwksServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0),
                    "http", jwks);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static JwksServer https(SSLContext tls, Supplier<String> jwks) {
        try {
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(tls));
            return new JwksServer(server, "https", jwks);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    URI url() {
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/keys");
    }

    int fetches() {
        return fetches.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
