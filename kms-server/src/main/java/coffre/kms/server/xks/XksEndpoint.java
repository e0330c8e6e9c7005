package coffre.kms.server.xks;

import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditSink;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.StoreException;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes each XKS request through the spec's order, bounding every wait:
 * <ol>
 *   <li>on the event loop, as soon as the head arrives: the path and method ({@link XksPaths}:
 *       404 InvalidUriPath, 405), the key store by the route's URI path (unknown: 404
 *       InvalidUriPath, before any signature check), admission ({@code xks.maxInFlight}: one call
 *       more is answered 429 ThrottlingException at once, never queued);</li>
 *   <li>the body, at most {@value XksRequests#MAX_BODY_BYTES} bytes (above: 501, see {@link XksServer});</li>
 *   <li>on a worker: the audit log writable, the SigV4 signature over the bytes received (401),
 *       then the operation's {@link XksHandler} (JSON, key, state, authorization, usage, sizes,
 *       HSM);</li>
 *   <li>one audit event per request, refusals and failures included; the answer is sent only
 *       once it is durable (if it cannot be written, the result is withheld: 500).</li>
 * </ol>
 * A call not answered within {@code xks.requestTimeout} of its head's arrival (its body's time
 * included) is answered
 * 503 DependencyTimeoutException at once (AWS gives up at 250 ms); its late result is dropped and
 * zeroed, and a call whose deadline passed while it waited for a worker is never started.
 */
final class XksEndpoint {
    private static final Logger LOG = System.getLogger(XksEndpoint.class.getName());
    private static final String PENDING = "coffre.xks.pending";

    private final Vertx vertx;
    private final ExternalKeyStoreDirectory directory;
    private final Map<XksOperation, XksHandler> handlers;
    private final XksVerifiers verifiers;
    private final AuditSink audit;
    private final WorkerExecutor workers;
    private final Duration deadline;
    private final int maxInFlight;
    private final Clock clock;
    private final AtomicInteger inFlight = new AtomicInteger();

    XksEndpoint(Vertx vertx, ExternalKeyStoreDirectory directory, Map<XksOperation, XksHandler> handlers,
                XksVerifiers verifiers, AuditSink audit, WorkerExecutor workers, Duration deadline, int maxInFlight,
                Clock clock) {
        this.vertx = vertx;
        this.directory = directory;
        this.handlers = Map.copyOf(handlers);
        this.verifiers = verifiers;
        this.audit = audit;
        this.workers = workers;
        this.deadline = deadline;
        this.maxInFlight = maxInFlight;
        this.clock = clock;
    }

    /** An admitted request between its head and its answer. */
    private final class Pending {
        final XksRoute route;
        final ExternalKeyStore store;
        final XksCallAudit callAudit;
        final AtomicBoolean answered = new AtomicBoolean();
        private final AtomicBoolean released = new AtomicBoolean();
        volatile boolean dispatched;
        /** The request's event loop, and the timer of its deadline there. */
        Context context;
        long timer;

        Pending(XksRoute route, ExternalKeyStore store, XksCallAudit callAudit) {
            this.route = route;
            this.store = store;
            this.callAudit = callAudit;
        }

        /** Gives its admission back, once: when a worker is done with it, or when it never reached one. */
        void release() {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        }
    }

    /** Step 1, on the event loop: route, key store, admission. */
    void admit(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        XksCallAudit callAudit = new XksCallAudit(clock);
        XksRoute route;
        try {
            route = XksPaths.route(request.method().name(), request.uri());
        } catch (XksMethodNotAllowedException e) {
            answerAfterAudit(ctx, null, callAudit.methodNotAllowed(), null, null);
            return;
        } catch (XksException e) {
            answerAfterAudit(ctx, null, callAudit.event(e), null, e);
            return;
        }
        callAudit.route(route);
        Optional<ExternalKeyStore> store;
        try {
            store = directory.byUriPath(route.uriPath());
        } catch (RuntimeException e) {
            XksException failure = failure(e);
            answerAfterAudit(ctx, null, callAudit.event(failure), null, failure);
            return;
        }
        if (store.isEmpty()) {
            XksException unknown = new XksException(XksError.INVALID_URI_PATH, XksError.INVALID_URI_PATH.defaultMessage());
            answerAfterAudit(ctx, null, callAudit.event(unknown), null, unknown);
            return;
        }
        callAudit.store(store.get());
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            XksException busy = new XksException(XksError.THROTTLING, "the proxy is serving as many calls as it can");
            answerAfterAudit(ctx, null, callAudit.event(busy), null, busy);
            return;
        }
        Pending pending = new Pending(route, store.get(), callAudit);
        ctx.put(PENDING, pending);
        // A call that never reaches a worker (body refused or too slow, connection gone) gives its place back.
        ctx.addEndHandler(ended -> {
            if (!pending.dispatched) {
                pending.release();
            }
        });
        // The deadline runs from the head's arrival: a body that trickles in holds its place no longer.
        pending.context = Vertx.currentContext();
        pending.timer = vertx.setTimer(deadline.toMillis(), id -> {
            if (pending.answered.compareAndSet(false, true)) {
                XksException late = new XksException(XksError.DEPENDENCY_TIMEOUT,
                        "no answer within " + deadline.toMillis() + " ms");
                answerAfterAudit(ctx, pending.context, pending.callAudit.event(late), null, late);
            }
        });
        ctx.next();
    }

    /** Step 3, on the event loop once the body is read: hand the call to a worker. */
    void serve(RoutingContext ctx) {
        Pending pending = ctx.get(PENDING);
        if (pending.answered.get()) {
            return; // its deadline passed while its body arrived: answered already
        }
        HttpServerRequest request = ctx.request();
        Buffer received = ctx.body().buffer();
        byte[] body = received == null ? new byte[0] : received.getBytes();
        if (received != null) {
            // The body may hold a plaintext (Encrypt): keep one copy only, zeroed after the call.
            received.setBytes(0, new byte[received.length()]);
        }
        SigV4Request signed = SigV4Request.of(request.method().name(), request.uri(), headers(request), body);
        pending.dispatched = true;
        workers.executeBlocking(() -> {
            try {
                work(ctx, pending.context, pending, signed, body, pending.timer);
            } finally {
                Arrays.fill(body, (byte) 0);
                pending.release();
            }
            return null;
        }, false);
    }

    /** Step 4, on a worker. */
    private void work(RoutingContext ctx, Context context, Pending pending, SigV4Request signed, byte[] body,
                      long timer) {
        if (pending.answered.get()) {
            return; // its deadline passed while it waited: AWS has given up, the HSM is spared
        }
        XksReply reply = null;
        XksException error = null;
        try {
            audit.checkWritable();
            SigV4Identity signer = verifiers.of(pending.store).verify(signed);
            pending.callAudit.signedBy(signer.accessKeyId());
            reply = handlers.get(pending.route.operation()).handle(new XksCall(pending.route, pending.store, body,
                    pending.callAudit));
        } catch (RuntimeException | Error e) {
            error = failure(e);
        }
        if (!pending.answered.compareAndSet(false, true)) {
            if (reply != null) {
                reply.release();
            }
            return;
        }
        vertx.cancelTimer(timer);
        answerAfterAudit(ctx, context, pending.callAudit.event(error), reply, error);
    }

    private static XksException failure(Throwable e) {
        if (e instanceof XksException xks) {
            return xks;
        }
        if (e instanceof KmsException kms) {
            return XksErrors.of(kms);
        }
        if (e instanceof StoreException store) {
            LOG.log(Level.WARNING, "XKS call failed: the store is unavailable: {0}", store.getMessage());
            return new XksException(XksError.INTERNAL, XksError.INTERNAL.defaultMessage(), store);
        }
        return XksErrors.unexpected(e);
    }

    /**
     * Records {@code event}, then answers on the request's event loop once it is durable: the
     * reply, the error, or a 405 when both are null. An event that cannot be recorded withholds
     * the reply (zeroed) and answers InternalException.
     */
    private void answerAfterAudit(RoutingContext ctx, Context context, AuditEvent event, XksReply reply,
                                  XksException error) {
        Context target = context != null ? context : Vertx.currentContext();
        Future.fromCompletionStage(audit.record(event), target).onComplete(recorded -> {
            try {
                if (recorded.failed()) {
                    LOG.log(Level.WARNING, "XKS call not answered: its audit event could not be recorded: {0}",
                            recorded.cause().toString());
                    send(ctx, new XksException(XksError.INTERNAL, XksError.INTERNAL.defaultMessage()));
                } else if (reply != null) {
                    // A copy: Vert.x may write it after this returns, while the reply is zeroed now.
                    sendJson(ctx.response(), 200, Buffer.buffer(reply.bytes().length).appendBytes(reply.bytes()));
                } else if (error != null) {
                    send(ctx, error);
                } else {
                    end(ctx.response().setStatusCode(XksMethodNotAllowedException.HTTP_STATUS)
                            .putHeader("allow", XksMethodNotAllowedException.ALLOW), null);
                }
            } finally {
                if (reply != null) {
                    reply.release();
                }
            }
        });
    }

    private static void send(RoutingContext ctx, XksException error) {
        sendJson(ctx.response(), error.httpStatus(), Buffer.buffer(error.toJsonBody()));
    }

    private static void sendJson(HttpServerResponse response, int status, Buffer body) {
        end(response.setStatusCode(status).putHeader("content-type", "application/json"), body);
    }

    /** Ends the response unless the client has gone (nobody to tell; the audit event is durable). */
    private static void end(HttpServerResponse response, Buffer body) {
        try {
            if (body == null) {
                response.end();
            } else {
                response.end(body);
            }
        } catch (IllegalStateException gone) {
            LOG.log(Level.DEBUG, "XKS client gone before its answer: {0}", gone.getMessage());
        }
    }

    /**
     * The headers as SigV4 sees them. Under HTTP/2 the authority is the {@code :authority}
     * pseudo-header, which Vert.x keeps apart from the headers: it is passed as {@code host}, as
     * the client received and signed it ({@code host[:port]}).
     */
    private static List<Map.Entry<String, String>> headers(HttpServerRequest request) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(request.headers().entries());
        if (request.headers().get("host") == null) {
            HostAndPort authority = request.authority();
            if (authority != null) {
                headers.add(Map.entry("host", authority.port() < 0 ? authority.host()
                        : authority.host() + ":" + authority.port()));
            }
        }
        return headers;
    }

    /** For the body limit's refusal ({@link XksServer}): the pending call's audit, if it was admitted. */
    void refuse(RoutingContext ctx, XksException error) {
        Pending pending = ctx.get(PENDING);
        XksCallAudit callAudit = pending != null ? pending.callAudit : new XksCallAudit(clock);
        if (pending != null) {
            if (!pending.answered.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(pending.timer);
        }
        answerAfterAudit(ctx, null, callAudit.event(error), null, error);
    }
}
