package coffre.kms.loadtest;

import coffre.kms.server.config.TlsSettings;
import coffre.kms.server.grpc.MutualTlsListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpcio.server.GrpcIoServer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Option;

/**
 * How the benchmark's baseline servers listen ({@link NoopServer}, {@link HsmOnlyServer}): with
 * kms-server's own mTLS set-up ({@link MutualTlsListener}: TLS with ALPN, client certificates
 * requested and checked against a CA, PEM key and trust), on one event loop unless told otherwise.
 * A picocli mixin: its options are the servers' own.
 */
final class BaselineListener {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "listen address (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8444", description = "listen port, 0 for any (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--cert", required = true, description = "server certificate chain (PEM)")
    Path cert;

    @Option(names = "--key", required = true, description = "server private key (PKCS#8 PEM)")
    Path key;

    @Option(names = "--client-ca", required = true, description = "CA bundle that client certificates must chain to")
    Path clientCa;

    @Option(names = "--instances", defaultValue = "1", description = "HTTP servers (event loops) sharing the port; "
            + "kms-server uses 1 (default ${DEFAULT-VALUE})")
    int instances;

    /** Serves {@code grpc} on {@link #instances} HTTP servers sharing one port; returns the bound port. */
    int listen(Vertx vertx, GrpcIoServer grpc) throws InterruptedException, ExecutionException, TimeoutException {
        HttpServerOptions options = MutualTlsListener.options(new TlsSettings(cert, key, clientCa))
                .setHost(host)
                .setPort(port);
        int bound = port;
        for (int i = 0; i < Math.max(1, instances); i++) {
            if (i > 0) {
                options.setPort(bound);
            }
            Future<HttpServer> listening = vertx.createHttpServer(options).requestHandler(grpc).listen();
            bound = listening.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).actualPort();
        }
        return bound;
    }

    /**
     * Runs a started server until the process is killed: says it listens on {@code port} (the line
     * the benchmark waits for), and has {@code close} run at exit.
     */
    void runUntilKilled(String name, int port, Runnable close) throws InterruptedException {
        System.out.println(name + " listening on " + host + ":" + port);
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(close));
        new CountDownLatch(1).await();
    }

    /** Closes {@code vertx}, waiting up to 10 s; {@code name} names the server in a failure's line. */
    static void close(Vertx vertx, String name) {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            System.err.println(name + ": close: " + e);
        }
    }
}
