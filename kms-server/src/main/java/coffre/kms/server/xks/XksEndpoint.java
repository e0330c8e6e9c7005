package coffre.kms.server.xks;

import coffre.kms.server.health.StoreFailures;
import coffre.kms.server.telemetry.CallTelemetry;
import coffre.kms.server.telemetry.ObservedCall;
import io.opentelemetry.context.Scope;

import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditSink;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.StoreException;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;
import coffre.kms.server.logging.CallLogContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes each XKS request through the spec's order, bounding every wait:
 * <ol>
 *   <li>on the event loop, as soon as the head arrives: the path and method ({@link XksPaths}:
 *       404 InvalidUriPath, 405), the key store by the route's URI path (unknown: 404
 *       InvalidUriPath, before any signature check), admission ({@code xks.maxInFlight}: one call
 *       more is answered 429 ThrottlingException at once, never queued);</li>
 *   <li>the body, at most {@value XksRequests#MAX_BODY_BYTES} bytes (above, or a larger
 *       {@code Content-Length}: 501 UnsupportedOperation, at once);</li>
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
    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("content-type");
    private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence ALLOW = HttpHeaders.createOptimized("allow");

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
    private final CallTelemetry calls;
    private final StoreFailures storeFailures;

    XksEndpoint(Vertx vertx, ExternalKeyStoreDirectory directory, Map<XksOperation, XksHandler> handlers,
                XksVerifiers verifiers, AuditSink audit, WorkerExecutor workers, Duration deadline, int maxInFlight,
                Clock clock, CallTelemetry calls, StoreFailures storeFailures) {
        this.calls = calls;
        this.storeFailures = storeFailures;
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
        /** The request's event loop, and the timer of its deadline there. */
        final Context context;
        final AtomicBoolean answered = new AtomicBoolean();
        private final AtomicBoolean released = new AtomicBoolean();
        volatile boolean dispatched;
        long timer = -1;

        Pending(XksRoute route, ExternalKeyStore store, XksCallAudit callAudit, Context context) {
            this.route = route;
            this.store = store;
            this.callAudit = callAudit;
            this.context = context;
        }

        /** Gives its admission back, once: when a worker is done with it, or when it never reached one. */
        void release() {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        }
    }

    /**
     * Every request but {@code GET /ping} ({@link XksServer}), on its event loop, from its head:
     * step 1 (route, key store, admission), then its body is read (step 2) and the call handed to
     * a worker once the body is whole (step 3). A plain request handler rather than a router: the
     * spec's paths are parsed by {@link XksPaths} anyway, and a router's per-request context,
     * handler chain and body handler cost more than the routing they would do.
     */
    void handle(HttpServerRequest request) {
        XksCallAudit callAudit = new XksCallAudit(clock, calls, request::getHeader);
        Pending pending = null;
        try {
            XksRoute route;
            try {
                route = XksPaths.route(request.method().name(), request.uri());
            } catch (XksMethodNotAllowedException e) {
                answerAfterAudit(request, null, callAudit.methodNotAllowed(), null, null, -1,
                        callAudit.observed());
                return;
            } catch (XksException e) {
                answerAfterAudit(request, null, callAudit.event(e), null, e, -1,
                        callAudit.observed());
                return;
            }
            callAudit.route(route);
            Optional<ExternalKeyStore> store = directory.byUriPath(route.uriPath());
            if (store.isEmpty()) {
                XksException unknown = new XksException(XksError.INVALID_URI_PATH,
                        XksError.INVALID_URI_PATH.defaultMessage());
                answerAfterAudit(request, null, callAudit.event(unknown), null, unknown, -1,
                        callAudit.observed());
                return;
            }
            callAudit.store(store.get());
            if (inFlight.incrementAndGet() > maxInFlight) {
                inFlight.decrementAndGet();
                XksException busy = new XksException(XksError.THROTTLING, "the proxy is serving as many calls as it can");
                answerAfterAudit(request, null, callAudit.event(busy), null, busy, -1,
                        callAudit.observed());
                return;
            }
            Pending admitted = new Pending(route, store.get(), callAudit, Vertx.currentContext());
            pending = admitted;
            // A call that never reaches a worker (body refused or too slow, stream reset, connection
            // gone) gives its place back when its answer is sent or its connection closes.
            Handler<Void> ended = ignored -> {
                if (!admitted.dispatched) {
                    admitted.release();
                }
            };
            request.response().endHandler(ended).closeHandler(ended);
            // The deadline runs from the head's arrival: a body that trickles in holds its place no longer.
            admitted.timer = vertx.setTimer(deadline.toMillis(), id -> {
                if (admitted.answered.compareAndSet(false, true)) {
                    XksException late = new XksException(XksError.DEPENDENCY_TIMEOUT,
                            "no answer within " + deadline.toMillis() + " ms");
                    answerAfterAudit(request, admitted.context, admitted.callAudit.event(late), null, late, -1,
                            admitted.callAudit.observed());
                }
            });
            readBody(request, admitted);
        } catch (RuntimeException e) {
            XksException failure = failure(e);
            if (pending == null) {
                answerAfterAudit(request, null, callAudit.event(failure), null, failure, -1,
                        callAudit.observed());
            } else {
                refuse(request, pending, failure);
            }
        }
    }

    /**
     * Step 2: the body, at most {@value XksRequests#MAX_BODY_BYTES} bytes (a larger declared
     * {@code Content-Length} is refused before any byte is read): over it, 501
     * UnsupportedOperationException. Then step 3.
     */
    private void readBody(HttpServerRequest request, Pending pending) {
        long declared = declaredLength(request);
        if (declared > XksRequests.MAX_BODY_BYTES) {
            refuse(request, pending, tooLarge());
            return;
        }
        XksBody body = new XksBody((int) Math.max(declared, 0), XksRequests.MAX_BODY_BYTES);
        request.handler(chunk -> {
            if (!pending.answered.get() && !body.append(chunk)) {
                body.zero();
                refuse(request, pending, tooLarge());
            }
        });
        request.exceptionHandler(e -> LOG.log(Level.DEBUG, "XKS request not received: {0}", e.toString()));
        request.endHandler(ignored -> serve(request, pending, body.take()));
    }

    private static long declaredLength(HttpServerRequest request) {
        String value = request.getHeader("content-length");
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1; // the HTTP codec refuses such a request itself
        }
    }

    private static XksException tooLarge() {
        return new XksException(XksError.UNSUPPORTED_OPERATION,
                "the request body is larger than " + XksRequests.MAX_BODY_BYTES + " bytes");
    }

    /** Step 3, on the event loop once the body is read: hand the call to a worker. */
    private void serve(HttpServerRequest request, Pending pending, byte[] body) {
        if (pending.answered.get()) {
            Arrays.fill(body, (byte) 0);
            return; // its deadline passed, or its body was refused, while it arrived: answered already
        }
        SigV4Request signed;
        try {
            signed = SigV4Request.of(request.method().name(), request.uri(), headers(request), body);
        } catch (RuntimeException e) {
            Arrays.fill(body, (byte) 0);
            refuse(request, pending, failure(e));
            return;
        }
        pending.dispatched = true;
        workers.executeBlocking(() -> {
            try {
                work(request, pending, signed, body);
            } finally {
                Arrays.fill(body, (byte) 0);
                pending.release();
            }
            return null;
        }, false);
    }

    /** Step 4, on a worker. */
    private void work(HttpServerRequest request, Pending pending, SigV4Request signed, byte[] body) {
        if (pending.answered.get()) {
            return; // its deadline passed while it waited: AWS has given up, the HSM is spared
        }
        XksReply reply = null;
        XksException error = null;
        try (Scope traced = pending.callAudit.observed().enter()) {
            audit.checkWritable();
            SigV4Identity signer = pending.callAudit.observed().authenticate(() -> verifiers.of(pending.store)
                    .verify(signed));
            pending.callAudit.signedBy(signer.accessKeyId());
            reply = handlers.get(pending.route.operation()).handle(new XksCall(pending.route, pending.store, body,
                    pending.callAudit));
        } catch (RuntimeException | Error e) {
            error = CallLogContext.with(pending.callAudit.requestId(), () -> failure(e));
        }
        if (!pending.answered.compareAndSet(false, true)) {
            if (reply != null) {
                reply.release();
            }
            return;
        }
        // The deadline's timer is cancelled where it lives, on the event loop, with the answer (from
        // here Vert.x would hand the cancellation to the event loop as a task of its own).
        answerAfterAudit(request, pending.context, pending.callAudit.event(error), reply, error, pending.timer,
                pending.callAudit.observed());
    }

    /** What the caller is answered for {@code e}; a store failure is also reported to readiness. */
    private XksException failure(Throwable e) {
        storeFailures.note(e);
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
     * Records {@code event}, then answers on the request's event loop once it is durable (cancelling
     * the deadline's {@code timer} there, unless it is negative): the reply, the error, or a 405
     * when both are null. An event that cannot be recorded withholds the reply (zeroed) and answers
     * InternalException.
     */
    private void answerAfterAudit(HttpServerRequest request, Context context, AuditEvent event, XksReply reply,
                                  XksException error, long timer, ObservedCall observed) {
        Context target = context != null ? context : Vertx.currentContext();
        CompletionStage<Void> durable = audit.record(event);
        // Started once the event is handed over: if handing it over throws, no span is left open.
        ObservedCall.Stage auditWait = observed.stage("audit.wait");
        Future.fromCompletionStage(durable, target).onComplete(recorded -> {
            auditWait.end();
            XksError answered = recorded.failed() ? XksError.INTERNAL
                    : error != null && reply == null ? error.error() : null;
            observed.end(answered != null ? answered.name() : reply != null ? ObservedCall.OK : "METHOD_NOT_ALLOWED",
                    answered != null ? answered.httpStatus()
                            : reply != null ? 200 : XksMethodNotAllowedException.HTTP_STATUS);
            try {
                if (timer >= 0) {
                    vertx.cancelTimer(timer);
                }
                HttpServerResponse response = request.response();
                if (recorded.failed()) {
                    CallLogContext.run(event.requestId(), () -> LOG.log(Level.WARNING,
                            "XKS call not answered: its audit event could not be recorded: {0}",
                            recorded.cause().toString()));
                    send(response, new XksException(XksError.INTERNAL, XksError.INTERNAL.defaultMessage()));
                } else if (reply != null) {
                    // A copy: Vert.x may write it after this returns, while the reply is zeroed now.
                    sendJson(response, 200, Buffer.buffer(reply.bytes().length).appendBytes(reply.bytes()));
                } else if (error != null) {
                    send(response, error);
                } else {
                    end(response.setStatusCode(XksMethodNotAllowedException.HTTP_STATUS)
                            .putHeader(ALLOW, XksMethodNotAllowedException.ALLOW), null);
                }
            } finally {
                if (reply != null) {
                    reply.release();
                }
            }
        });
    }

    private static void send(HttpServerResponse response, XksException error) {
        sendJson(response, error.httpStatus(), Buffer.buffer(error.toJsonBody()));
    }

    private static void sendJson(HttpServerResponse response, int status, Buffer body) {
        end(response.setStatusCode(status).putHeader(CONTENT_TYPE, APPLICATION_JSON), body);
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

    /** Answers an admitted call that fails before it reaches a worker (its body too large, a bug), once. */
    private void refuse(HttpServerRequest request, Pending pending, XksException error) {
        if (pending.answered.compareAndSet(false, true)) {
            answerAfterAudit(request, pending.context, pending.callAudit.event(error), null, error, pending.timer,
                    pending.callAudit.observed());
        }
    }
}
