package coffre.examples.records;

import coffre.kms.client.CoffreClient;
import coffre.kms.client.CoffreCredentials;
import coffre.kms.client.CoffreException;
import coffre.kms.client.envelope.CachingDataKeys;
import coffre.kms.client.envelope.CoffreEnvelope;
import coffre.kms.client.envelope.EnvelopeException;
import coffre.kms.client.envelope.KmsDataKeys;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * The record store over HTTP, with the JDK's own server: {@code PUT /records/ID} stores the body,
 * {@code GET /records/ID} returns it. An example of a service on Coffre, run by
 * {@code RecordStoreIT} against a real node; not a product.
 *
 * <pre>
 * COFFRE_ENDPOINT=... COFFRE_CA_CERT=... COFFRE_CERT=... COFFRE_KEY=... \
 *   java coffre.examples.records.RecordStoreServer KEY_ID DIRECTORY PORT [CACHE_MESSAGES_PER_KEY]
 * </pre>
 *
 * Answers: 204 stored, 200 with the record, 404 no such record, 400 a bad id or method, 422 a
 * stored record that fails authentication (tampered), 503 Coffre refused or could not be reached.
 * Errors name the reason, never the record.
 */
public final class RecordStoreServer implements AutoCloseable {

    private final HttpServer http;
    private final RecordStore store;

    /** Serves {@code store} on {@code port} of 127.0.0.1 (0: any free port). */
    public RecordStoreServer(RecordStore store, int port) throws IOException {
        this.store = store;
        this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        http.createContext("/records/", this::handle);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.start();
    }

    /** The port it listens on. */
    public int port() {
        return http.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String id = exchange.getRequestURI().getPath().substring("/records/".length());
            if (!RecordStore.validId(id)) {
                reply(exchange, 400, "record ids are 1-64 characters of [A-Za-z0-9_-]");
                return;
            }
            switch (exchange.getRequestMethod()) {
                case "PUT" -> {
                    long length = Long.parseLong(exchange.getRequestHeaders().getFirst("Content-Length"));
                    store.put(id, exchange.getRequestBody(), length);
                    exchange.sendResponseHeaders(204, -1);
                }
                case "GET" -> {
                    // Buffered, so that a record failing authentication sends no part of itself.
                    ByteArrayOutputStream record = new ByteArrayOutputStream();
                    if (!store.get(id, record)) {
                        reply(exchange, 404, "no record " + id);
                        return;
                    }
                    exchange.sendResponseHeaders(200, record.size());
                    try (OutputStream body = exchange.getResponseBody()) {
                        record.writeTo(body);
                    }
                }
                default -> reply(exchange, 400, "PUT or GET");
            }
        } catch (EnvelopeException e) {
            reply(exchange, 422, "the stored record is damaged: " + e.reason());
        } catch (CoffreException e) {
            reply(exchange, 503, "Coffre: " + e.reason());
        } catch (NumberFormatException e) {
            reply(exchange, 400, "PUT needs a Content-Length");
        } finally {
            exchange.close();
        }
    }

    private static void reply(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: RecordStoreServer KEY_ID DIRECTORY PORT [CACHE_MESSAGES_PER_KEY] (and COFFRE_* variables)");
            System.exit(2);
        }
        CoffreClient coffre = CoffreCredentials.fromEnvironment(System::getenv).open();
        KmsDataKeys dataKeys = new KmsDataKeys(coffre);
        CoffreEnvelope envelope = args.length > 3
                ? new CoffreEnvelope(CachingDataKeys.builder(dataKeys).maxAge(Duration.ofMinutes(5))
                        .maxMessagesPerKey(Long.parseLong(args[3])).build())
                : new CoffreEnvelope(dataKeys);
        RecordStoreServer server = new RecordStoreServer(new RecordStore(envelope, args[0], Path.of(args[1])),
                Integer.parseInt(args[2]));
        System.out.println("record store on 127.0.0.1:" + server.port());
    }
}
