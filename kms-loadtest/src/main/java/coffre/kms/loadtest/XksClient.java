package coffre.kms.loadtest;

import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The HTTPS client of the XKS mode: Vert.x's HTTP client (Netty), the stack the server listens on,
 * chosen over the JDK's {@code java.net.http.HttpClient} because it keeps the client off the
 * critical path at 64 in flight on 2 cores (docs/performance.md, "XKS vs gRPC": the JDK client runs
 * every exchange through its selector thread and an executor hand-off, and multiplexes a host's
 * calls on one HTTP/2 connection it picks itself).
 *
 * <p>HTTP/2 (the default): TLS with ALPN offering {@code h2} then {@code http/1.1} (the spec lets a
 * proxy fall back), {@code connections} lanes used round-robin, each one keep-alive connection
 * multiplexing its calls and bound to one event loop — as the gRPC mode's {@code --channels}.
 * HTTP/1.1 ({@code --xks-http-version 1.1}): one pool of {@code connections} keep-alive connections,
 * one call at a time on each. Each lane sends from its own event loop, so a call's answer comes back
 * on the thread that sent it and the closed loop's next call starts there, with no thread hop.
 *
 * <p>Every request is signed just before it is sent ({@link XksSigner}) and carries the endpoint's
 * authority exactly as signed.
 */
final class XksClient implements AutoCloseable {
    /** One answer: status, body (null for a 200 {@link #call} dropped), and the HTTP version it came over. */
    record Answer(int status, Buffer body, HttpVersion version) {
    }

    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("content-type");
    private static final CharSequence CONTENT_SHA256 = HttpHeaders.createOptimized("x-amz-content-sha256");
    private static final CharSequence AMZ_DATE = HttpHeaders.createOptimized("x-amz-date");
    private static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("authorization");

    private final Vertx vertx;
    private final List<Lane> lanes;
    private final HostAndPort authority;
    private final XksSigner signer;
    private final long timeoutMillis;
    private final AtomicInteger next = new AtomicInteger();
    private final Set<HttpVersion> versions = ConcurrentHashMap.newKeySet();

    /**
     * One event loop's client. Under HTTP/2 it keeps its one connection itself ({@link #client}) and
     * sends on it directly: the pool's acquire and recycle per request, for a pool of one
     * connection, were a sixth of the load tool's samples in XKS mode. Touched on its event loop only.
     */
    private static final class Lane {
        final HttpClientAgent http;
        final Context context;
        final boolean direct;
        Future<HttpClientConnection> connection;

        Lane(HttpClientAgent http, Context context, boolean direct) {
            this.http = http;
            this.context = context;
            this.direct = direct;
        }

        /**
         * What to send on: the lane's HTTP/2 connection, made (again) when there is none or it
         * closed or failed; the pool under HTTP/1.1, or when ALPN chose HTTP/1.1 (one call at a
         * time on a connection: the pool queues the others).
         */
        Future<? extends HttpClient> client() {
            if (!direct) {
                return Future.succeededFuture(http);
            }
            Future<HttpClientConnection> current = connection;
            if (current == null) {
                Future<HttpClientConnection> made = http.connect(new HttpConnectOptions());
                connection = made;
                made.onComplete(done -> {
                    if (done.failed()) {
                        forget(made);
                    } else {
                        done.result().closeHandler(closed -> forget(made));
                    }
                });
                current = made;
            }
            if (current.succeeded()) {
                HttpClientConnection open = current.result();
                return Future.succeededFuture(multiplexes(open) ? open : http);
            }
            return current.map(open -> multiplexes(open) ? open : http);
        }

        /** HTTP/2 (many calls at once), not the HTTP/1.1 ALPN may have chosen instead. */
        private static boolean multiplexes(HttpClientConnection connection) {
            return connection.maxActiveStreams() > 1;
        }

        private void forget(Future<HttpClientConnection> gone) {
            if (connection == gone) {
                connection = null;
            }
        }
    }

    /**
     * @param caCert       CA bundle for the listener's certificate; null: the JDK's trusted CAs
     * @param cert         client certificate for mTLS, or null (then {@code key} is null too)
     * @param http2        false: HTTP/1.1 only
     * @param connections  HTTP/2 lanes (one connection each), or HTTP/1.1 pool size
     */
    static XksClient open(XksEndpoint endpoint, XksSigner signer, Path caCert, Path cert, Path key, boolean http2,
                          int connections, long timeoutMillis) {
        if (connections < 1) {
            throw new IllegalArgumentException("--xks-connections must be at least 1");
        }
        int lanes = http2 ? connections : 1;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(lanes).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        HttpClientOptions options = new HttpClientOptions()
                .setSsl(true)
                .setVerifyHost(true)
                .setUseAlpn(true)
                .setProtocolVersion(http2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
                .setAlpnVersions(http2 ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1))
                .setKeepAlive(true)
                .setPipelining(false)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .setDefaultHost(endpoint.connectHost())
                .setDefaultPort(endpoint.port());
        if (caCert != null) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(caCert.toString()));
        }
        if (cert != null) {
            options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString()));
        }
        PoolOptions pool = new PoolOptions().setHttp2MaxSize(1).setHttp1MaxSize(http2 ? 1 : connections)
                .setMaxWaitQueueSize(-1);
        List<Lane> opened = new ArrayList<>(lanes);
        for (Context context : eventLoopContexts(vertx, lanes)) {
            opened.add(new Lane(vertx.httpClientBuilder().with(options).with(pool).build(), context, http2));
        }
        return new XksClient(vertx, opened, endpoint, signer, timeoutMillis);
    }

    /**
     * {@code n} contexts on distinct event loops: deployment instances get them round-robin, whereas
     * contexts made from one outside thread would all share that thread's "sticky" event loop.
     */
    private static List<Context> eventLoopContexts(Vertx vertx, int n) {
        Queue<Context> contexts = new ConcurrentLinkedQueue<>();
        Supplier<Deployable> lane = () -> context -> {
            contexts.add(context);
            return Future.succeededFuture();
        };
        try {
            vertx.deployVerticle(lane, new DeploymentOptions().setInstances(n))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the XKS client", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot start the XKS client's event loops", e);
        }
        return List.copyOf(contexts);
    }

    private XksClient(Vertx vertx, List<Lane> lanes, XksEndpoint endpoint, XksSigner signer, long timeoutMillis) {
        this.vertx = vertx;
        this.lanes = List.copyOf(lanes);
        this.authority = HostAndPort.authority(endpoint.host(), endpoint.authorityPort());
        this.signer = signer;
        this.timeoutMillis = timeoutMillis;
    }

    /** How many lanes (HTTP/2 connections, or 1 for the HTTP/1.1 pool). */
    int lanes() {
        return lanes.size();
    }

    /** The HTTP versions answers came over so far (to see whether ALPN chose HTTP/2). */
    Set<HttpVersion> versionsSeen() {
        return Set.copyOf(versions);
    }

    /**
     * Signs and POSTs {@code body} to {@code path} on the next lane. Completes on that lane's event
     * loop with the answer, whatever its status; fails only when there is none (connection, TLS,
     * time-out).
     */
    Future<Answer> post(String path, byte[] body) {
        return post(path, body, true);
    }

    /**
     * As {@link #post(String, byte[])}, but a 200's body is read and dropped (the answer's body is
     * then null): what a measured call needs, without gathering every answer into a buffer.
     */
    Future<Answer> call(String path, byte[] body) {
        return post(path, body, false);
    }

    private Future<Answer> post(String path, byte[] body, boolean keepOkBody) {
        Lane lane = lanes.get(Math.floorMod(next.getAndIncrement(), lanes.size()));
        if (Vertx.currentContext() == lane.context) {
            return send(lane, path, body, keepOkBody);
        }
        Promise<Answer> answer = Promise.promise();
        lane.context.runOnContext(v -> send(lane, path, body, keepOkBody).onComplete(answer));
        return answer.future();
    }

    private Future<Answer> send(Lane lane, String path, byte[] body, boolean keepOkBody) {
        XksSigner.Signed signed = signer.sign(path, body);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
                .setTimeout(timeoutMillis)
                .addHeader(CONTENT_TYPE, XksSigner.CONTENT_TYPE)
                .addHeader(CONTENT_SHA256, signed.contentSha256())
                .addHeader(AMZ_DATE, signed.amzDate())
                .addHeader(AUTHORIZATION, signed.authorization());
        return lane.client().compose(http -> http.request(request))
                // The time-out set here too: a request made on a connection, not through the pool, ignores the option's.
                .compose(r -> r.authority(authority).idleTimeout(timeoutMillis).send(Buffer.buffer(body)))
                .compose(response -> {
                    HttpVersion version = response.version();
                    if (!versions.contains(version)) {
                        versions.add(version);
                    }
                    if (response.statusCode() == 200 && !keepOkBody) {
                        return response.end().map(ended -> new Answer(200, null, version));
                    }
                    return response.body().map(b -> new Answer(response.statusCode(), b, version));
                });
    }

    @Override
    public void close() {
        for (Lane lane : lanes) {
            lane.http.close();
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Closing after a run: nothing left to save.
        }
    }
}
