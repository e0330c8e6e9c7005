package coffre.kms.server.telemetry;

import coffre.kms.server.config.TelemetrySettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * The metrics listener: {@code GET /metrics} answers the node's meters in the Prometheus text
 * format (OpenMetrics when the scraper asks for it), on a port of its own, apart from the gRPC and
 * health ports, so that it can be bound where only the scraper reaches (127.0.0.1 by default) or
 * protected by mTLS. A scrape reads gauges that may take locks: it runs on a worker, never on the
 * event loop.
 */
public final class MetricsListener {
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private MetricsListener() {
    }

    /** Listens on the configured host and {@code port} (0: a free port); the future gives the server. */
    public static Future<HttpServer> listen(Vertx vertx, TelemetrySettings.Metrics settings, int port,
                                            PrometheusMeterRegistry registry) {
        HttpServerOptions options = new HttpServerOptions().setHost(settings.host()).setPort(port);
        if (settings.tls() != null) {
            // Required: a scraper that cannot present a certificate from the client CA gets nothing.
            options.setSsl(true)
                    .setClientAuth(ClientAuth.REQUIRED)
                    .setKeyCertOptions(new PemKeyCertOptions()
                            .setCertPath(settings.tls().certificate().toString())
                            .setKeyPath(settings.tls().privateKey().toString()))
                    .setTrustOptions(new PemTrustOptions().addCertPath(settings.tls().clientCa().toString()));
        }
        return vertx.createHttpServer(options).requestHandler(request -> handle(vertx, request, registry)).listen();
    }

    private static void handle(Vertx vertx, HttpServerRequest request, PrometheusMeterRegistry registry) {
        if (!request.path().equals("/metrics")) {
            request.response().setStatusCode(404).end();
            return;
        }
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            request.response().setStatusCode(405).putHeader("allow", "GET, HEAD").end();
            return;
        }
        String accept = request.getHeader("accept");
        String contentType = accept != null && accept.contains("application/openmetrics-text")
                ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
        vertx.executeBlocking(() -> registry.scrape(contentType), false).onComplete(scraped -> {
            if (scraped.failed()) {
                request.response().setStatusCode(500).putHeader("content-type", "text/plain")
                        .end("scrape failed\n");
                return;
            }
            request.response().putHeader("content-type", contentType)
                    .end(request.method() == HttpMethod.HEAD ? "" : scraped.result());
        });
    }
}
