package coffre.kms.server.dke;

import coffre.kms.server.health.StoreFailures;
import coffre.kms.server.logging.CallLogContext;
import coffre.kms.server.logging.RequestIds;
import coffre.kms.server.telemetry.CallTelemetry;
import coffre.kms.server.telemetry.ObservedCall;
import io.opentelemetry.context.Scope;

import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditSink;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.domain.StoreException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes each DKE request through, in this order, bounding every wait:
 * <ol>
 *   <li>on the event loop, as the head arrives: path and method ({@link DkePaths}: 404, 405,
 *       400 for another protocol version), then admission ({@code dke.maxInFlight}: one call more
 *       is 429 at once, never queued);</li>
 *   <li>the body, at most {@value DkeJson#MAX_BODY_BYTES} bytes (above: 413, see {@link DkeServer});</li>
 *   <li>on a worker: the audit log writable, the bearer token ({@link BearerTokens}: 401 with the
 *       {@code WWW-Authenticate} challenge Office clients follow to get a token), then
 *       {@link DkeService} (key name, policy, state, HSM);</li>
 *   <li>one audit event per request, refusals included; the answer leaves once the event is
 *       durable (if it cannot be written, the result is withheld: 500).</li>
 * </ol>
 * A call not answered within {@code dke.requestTimeout} of its head is answered 503; its late
 * result is dropped and zeroed. Every answer is compact JSON, errors included.
 */
final class DkeEndpoint {
    private static final Logger LOG = System.getLogger(DkeEndpoint.class.getName());
    private static final String PENDING = "coffre.dke.pending";

    private final Vertx vertx;
    private final DkeService service;
    private final BearerTokens tokens;
    private final boolean anonymousPublicKey;
    private final String challenge;
    private final AuditSink audit;
    private final WorkerExecutor workers;
    private final Duration deadline;
    private final int maxInFlight;
    private final Clock clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CallTelemetry calls;
    private final StoreFailures storeFailures;

    DkeEndpoint(Vertx vertx, DkeService service, BearerTokens tokens, boolean anonymousPublicKey, String challenge,
                AuditSink audit, WorkerExecutor workers, Duration deadline, int maxInFlight, Clock clock,
                CallTelemetry calls, StoreFailures storeFailures) {
        this.calls = calls;
        this.storeFailures = storeFailures;
        this.vertx = vertx;
        this.service = service;
        this.tokens = tokens;
        this.anonymousPublicKey = anonymousPublicKey;
        this.challenge = challenge;
        this.audit = audit;
        this.workers = workers;
        this.deadline = deadline;
        this.maxInFlight = maxInFlight;
        this.clock = clock;
    }

    /**
     * The {@code WWW-Authenticate} value of a 401: what Microsoft's reference service sends and
     * its test script checks ({@code resource}, {@code authorization}, {@code realm}), from which
     * the client learns the resource to ask Entra ID a token for.
     */
    static String challenge(String serviceUrl, String authorizationUrl) {
        return "Bearer resource=\"" + serviceUrl + "\", authorization=\"" + authorizationUrl + "\", realm=\""
                + serviceUrl + "\"";
    }

    /** An admitted request between its head and its answer. */
    private final class Pending {
        final DkeRoute route;
        final DkeCallAudit callAudit;
        final AtomicBoolean answered = new AtomicBoolean();
        private final AtomicBoolean released = new AtomicBoolean();
        volatile boolean dispatched;
        Context context;
        long timer;

        Pending(DkeRoute route, DkeCallAudit callAudit) {
            this.route = route;
            this.callAudit = callAudit;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        }
    }

    /** Step 1, on the event loop. */
    void admit(RoutingContext ctx) {
        DkeCallAudit callAudit = new DkeCallAudit(clock, calls, ctx.request()::getHeader);
        ctx.response().putHeader(RequestIds.HEADER, callAudit.requestId());
        DkeRoute route;
        try {
            route = DkePaths.route(ctx.request().method().name(), ctx.request().uri());
        } catch (DkeException e) {
            answerAfterAudit(ctx, null, callAudit.event(e), null, e, callAudit.observed());
            return;
        }
        callAudit.route(route);
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            DkeException busy = new DkeException(DkeError.TOO_MANY_REQUESTS,
                    DkeError.TOO_MANY_REQUESTS.defaultMessage());
            answerAfterAudit(ctx, null, callAudit.event(busy), null, busy, callAudit.observed());
            return;
        }
        Pending pending = new Pending(route, callAudit);
        ctx.put(PENDING, pending);
        ctx.addEndHandler(ended -> {
            if (!pending.dispatched) {
                pending.release();
            }
        });
        pending.context = Vertx.currentContext();
        pending.timer = vertx.setTimer(deadline.toMillis(), id -> {
            if (pending.answered.compareAndSet(false, true)) {
                DkeException late = new DkeException(DkeError.UNAVAILABLE, "no answer within " + deadline.toMillis()
                        + " ms, retry later");
                answerAfterAudit(ctx, pending.context, pending.callAudit.event(late), null, late,
                        pending.callAudit.observed());
            }
        });
        ctx.next();
    }

    /** Step 3, on the event loop once the body is read: hand the call to a worker. */
    void serve(RoutingContext ctx) {
        Pending pending = ctx.get(PENDING);
        if (pending.answered.get()) {
            return;
        }
        Buffer received = ctx.body().buffer();
        byte[] body = received == null ? new byte[0] : received.getBytes();
        String authorization = ctx.request().getHeader("authorization");
        pending.dispatched = true;
        workers.executeBlocking(CallLogContext.wrap(pending.callAudit.requestId(), () -> {
            try {
                work(ctx, pending, authorization, body);
            } finally {
                Arrays.fill(body, (byte) 0);
                pending.release();
            }
            return null;
        }), false);
    }

    private void work(RoutingContext ctx, Pending pending, String authorization, byte[] body) {
        if (pending.answered.get()) {
            return;
        }
        SecretBytes reply = null;
        DkeException error = null;
        try (Scope traced = pending.callAudit.observed().enter()) {
            audit.checkWritable();
            DkeCaller caller = null;
            boolean anonymous = anonymousPublicKey && authorization == null
                    && pending.route.operation() == DkeRoute.Operation.PUBLIC_KEY;
            if (!anonymous) {
                caller = pending.callAudit.observed().authenticate(() -> tokens.verify(authorization));
                pending.callAudit.caller(caller);
            }
            reply = service.handle(pending.route, caller, body, pending.callAudit);
        } catch (RuntimeException | Error e) {
            error = failure(e);
        }
        if (!pending.answered.compareAndSet(false, true)) {
            if (reply != null) {
                reply.close();
            }
            return;
        }
        vertx.cancelTimer(pending.timer);
        answerAfterAudit(ctx, pending.context, pending.callAudit.event(error), reply, error,
                pending.callAudit.observed());
    }

    /** What the caller is answered for {@code e}; a store failure is also reported to readiness. */
    private DkeException failure(Throwable e) {
        storeFailures.note(e);
        if (e instanceof DkeException dke) {
            return dke;
        }
        if (e instanceof KmsException kms) {
            return DkeErrors.of(kms);
        }
        if (e instanceof StoreException store) {
            LOG.log(Level.WARNING, "DKE call failed: the store is unavailable: {0}", store.getMessage());
            return new DkeException(DkeError.UNAVAILABLE, DkeError.UNAVAILABLE.defaultMessage());
        }
        return DkeErrors.unexpected(e);
    }

    /** For the body limit's refusal ({@link DkeServer}). */
    void refuse(RoutingContext ctx, DkeException error) {
        Pending pending = ctx.get(PENDING);
        DkeCallAudit callAudit = pending != null ? pending.callAudit : new DkeCallAudit(clock, calls, ctx.request()::getHeader);
        if (pending == null) {
            // Refused before admit() gave the call its id (and header).
            ctx.response().putHeader(RequestIds.HEADER, callAudit.requestId());
        } else {
            if (!pending.answered.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(pending.timer);
        }
        answerAfterAudit(ctx, null, callAudit.event(error), null, error, callAudit.observed());
    }

    /**
     * Records {@code event}, then answers on the request's event loop once it is durable. An event
     * that cannot be recorded withholds the reply (zeroed) and answers 500.
     */
    private void answerAfterAudit(RoutingContext ctx, Context context, AuditEvent event, SecretBytes reply,
                                  DkeException error, ObservedCall observed) {
        Context target = context != null ? context : Vertx.currentContext();
        CompletionStage<Void> durable = audit.record(event);
        // Started once the event is handed over: if handing it over throws, no span is left open.
        ObservedCall.Stage auditWait = observed.stage("audit.wait");
        Future.fromCompletionStage(durable, target).onComplete(recorded -> {
            auditWait.end();
            DkeError answered = recorded.failed() ? DkeError.INTERNAL : reply != null ? null : error.error();
            observed.end(answered == null ? ObservedCall.OK : answered.name(), answered == null ? 200
                    : answered.httpStatus());
            try {
                HttpServerResponse response = ctx.response();
                if (recorded.failed()) {
                    CallLogContext.run(event.requestId(), () -> LOG.log(Level.WARNING,
                            "DKE call not answered: its audit event could not be recorded: {0}",
                            recorded.cause().toString()));
                    send(response, new DkeException(DkeError.INTERNAL, DkeError.INTERNAL.defaultMessage()));
                } else if (reply != null) {
                    // A copy: Vert.x may write it after this returns, while the reply is zeroed now.
                    end(response.setStatusCode(200).putHeader("content-type", "application/json")
                            .putHeader("cache-control", "no-store"), Buffer.buffer(reply.reveal().length)
                            .appendBytes(reply.reveal()));
                } else {
                    send(response, error);
                }
            } finally {
                if (reply != null) {
                    reply.close();
                }
            }
        });
    }

    private void send(HttpServerResponse response, DkeException error) {
        if (error.error() == DkeError.UNAUTHORIZED) {
            response.putHeader("www-authenticate", challenge);
        } else if (error.error() == DkeError.METHOD_NOT_ALLOWED) {
            response.putHeader("allow", error.detail());
        }
        end(response.setStatusCode(error.error().httpStatus()).putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-store"), Buffer.buffer(error.toJsonBody()));
    }

    private static void end(HttpServerResponse response, Buffer body) {
        try {
            response.end(body);
        } catch (IllegalStateException gone) {
            LOG.log(Level.DEBUG, "DKE client gone before its answer: {0}", gone.getMessage());
        }
    }
}
