package coffre.kms.server.grpc;

import coffre.kms.server.access.AccessControl;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditSink;
import coffre.kms.server.domain.CallBounds;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.StoreException;
import coffre.kms.server.health.StoreFailures;
import coffre.kms.server.logging.RequestIds;
import coffre.kms.server.telemetry.CallTelemetry;
import coffre.kms.server.telemetry.MethodTelemetry;
import coffre.kms.server.telemetry.ObservedCall;
import coffre.kms.server.telemetry.Telemetry;
import coffre.kms.server.logging.CallLogContext;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpcio.server.GrpcIoServer;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Binds {@link UnaryHandler}s to the Vert.x gRPC server: authenticate on the event loop, then
 * authorise, handle and record the call's audit event on a bounded worker pool (HSM and store
 * calls block), and answer on the event loop only once that event is durable.
 *
 * <p>Every call of a bound method gets exactly one audit event, whether it is refused at the door
 * (no certificate, over its rate), denied, invalid, failed or done. If the event cannot be
 * written, the caller gets {@link ErrorReason#AUDIT_UNAVAILABLE} instead of the answer (the
 * {@link AuditSink} decides, by its failure mode). Failures become a status plus a
 * {@code google.rpc.ErrorInfo}; anything unexpected is logged here and reaches the client only as
 * {@link ErrorReason#INTERNAL_ERROR}.
 */
public final class GrpcEndpoint {
    private static final Logger LOG = System.getLogger(GrpcEndpoint.class.getName());

    private final GrpcIoServer server;
    private final AccessControl accessControl;
    private final RateLimiter rateLimiter;
    private final AuditSink audit;
    private final Clock clock;
    private final StoreFailures storeFailures;
    private final long maxMessageBytes;
    private final java.time.Duration storeWait;
    private final CallTelemetry calls;

    public GrpcEndpoint(GrpcIoServer server, AccessControl accessControl, RateLimiter rateLimiter, AuditSink audit,
                        Clock clock) {
        this(server, accessControl, rateLimiter, audit, clock, GrpcServerOptions.DEFAULT_MAX_MESSAGE_SIZE,
                java.time.Duration.ofSeconds(3), StoreFailures.NONE, Telemetry.none().calls());
    }

    /**
     * @param maxMessageBytes    the limit {@code server} was given, named in the refusal of a larger message
     * @param storeWait          the store's connection timeout: a call refused because the store is
     *                           unavailable is answered no later than this after it arrived, its
     *                           audit event written or not (it stays queued, to be written or,
     *                           if the store still fails, dropped as a refused call's event is)
     * @param storeFailures      told (on a worker) each time a call fails because the store is
     *                           unavailable, so readiness need not wait for the next deep check
     * @param calls              where each call is counted, timed and traced
     */
    public GrpcEndpoint(GrpcIoServer server, AccessControl accessControl, RateLimiter rateLimiter, AuditSink audit,
                        Clock clock, long maxMessageBytes, java.time.Duration storeWait, StoreFailures storeFailures,
                        CallTelemetry calls) {
        this.calls = calls;
        this.maxMessageBytes = maxMessageBytes;
        this.storeWait = storeWait;
        this.server = server;
        this.accessControl = accessControl;
        this.rateLimiter = rateLimiter;
        this.audit = audit;
        this.clock = clock;
        this.storeFailures = storeFailures;
    }

    private CallAudit startAudit(GrpcServerRequest<?, ?> call, MethodDescriptor<?, ?> method,
                                 coffre.kms.server.domain.Operation operation, MethodTelemetry telemetry) {
        ObservedCall observed = telemetry.start(System.nanoTime(), call.headers()::get);
        CallAudit callAudit = new CallAudit(clock, AuditEventType.of(operation), fields(method),
                RequestIds.of(call.headers().get(RequestIds.HEADER)), observed);
        call.response().headers().set(RequestIds.HEADER, callAudit.requestId());
        return callAudit;
    }

    /**
     * Who is calling, and may they call now. A caller without a principal, or over its rate, is
     * refused before any work: the request is drained, the refusal audited and answered, and null
     * is returned.
     */
    private Principal admit(GrpcServerRequest<?, ?> call, CallAudit callAudit) {
        try {
            Principal caller = CallerIdentity.of(call.connection());
            callAudit.caller(caller);
            rateLimiter.acquire(caller);
            return caller;
        } catch (KmsException e) {
            Context context = Vertx.currentContext();
            call.handler(ignored -> { });
            // Refused before its size matters: the end handler below answers an over-large message too.
            call.invalidMessageHandler(ignored -> { });
            call.endHandler(ignored -> answerAfterAudit(context, call.response(), callAudit, null, null, e));
            return null;
        }
    }

    /**
     * Answers a request message over the size limit with {@link ErrorReason#MESSAGE_TOO_LARGE}
     * (audited like any refusal) instead of Vert.x's bare {@code RESOURCE_EXHAUSTED}; the returned
     * flag tells the call's other handlers that it is answered. Vert.x reports the overflow before
     * the end of the request, on the call's event loop.
     */
    private java.util.concurrent.atomic.AtomicBoolean refuseOversized(GrpcServerRequest<?, ?> call, CallAudit callAudit,
                                                                   Context context) {
        java.util.concurrent.atomic.AtomicBoolean refused = new java.util.concurrent.atomic.AtomicBoolean();
        call.invalidMessageHandler(invalid -> {
            if (!(invalid instanceof MessageSizeOverflowException overflow)) {
                // What Vert.x does by default: no other invalid message reaches this handler today.
                call.response().cancel();
                return;
            }
            if (refused.compareAndSet(false, true)) {
                answerAfterAudit(context, call.response(), callAudit, null, null, new KmsException(
                        ErrorReason.MESSAGE_TOO_LARGE, "the request message is " + overflow.messageSize()
                        + " bytes; the limit is " + maxMessageBytes,
                        Map.of("limit", Long.toString(maxMessageBytes))));
            }
        });
        return refused;
    }

    /** What a bound method does with an admitted call once its whole request has arrived, on the call's event loop. */
    @FunctionalInterface
    private interface Admitted<Req, Resp> {
        void serve(GrpcServerRequest<Req, Resp> call, CallAudit callAudit, Principal caller, Context context,
                   Req request);
    }

    /**
     * Takes the calls of {@code method}, unary or streaming alike: starts each call's audit, admits
     * its caller (or answers the refusal), answers an over-large request, and hands the rest to
     * {@code admitted} once the request is whole.
     */
    private <Req, Resp> void accept(MethodDescriptor<Req, Resp> method, coffre.kms.server.domain.Operation operation,
                                    Admitted<Req, Resp> admitted) {
        fields(method);
        MethodTelemetry telemetry = calls.grpc(method.getServiceName() == null ? "" : method.getServiceName(),
                method.getBareMethodName());
        server.callHandler(method, call -> {
            CallAudit callAudit = startAudit(call, method, operation, telemetry);
            Principal caller = admit(call, callAudit);
            if (caller == null) {
                return;
            }
            Context context = Vertx.currentContext();
            java.util.concurrent.atomic.AtomicBoolean tooLarge = refuseOversized(call, callAudit, context);
            call.last().onComplete(received -> {
                if (tooLarge.get()) {
                    return;
                }
                if (received.failed()) {
                    LOG.log(Level.DEBUG, "request not received: {0}", received.cause().toString());
                    callAudit.ended(ErrorReason.CANCELLED);
                    return;
                }
                admitted.serve(call, callAudit, caller, context, received.result());
            });
        });
    }

    /** Serves {@code handler}'s method, running its work on {@code workers}. */
    public <Req, Resp> void bind(UnaryHandler<Req, Resp> handler, WorkerExecutor workers) {
        bind(handler, workers, null, null);
    }

    /**
     * The bounds of a call whose work may run long: cancelled when the caller resets the stream
     * (it cancelled, or its own deadline passed first) and when the deadline it sent passes, so
     * that the server stops working for a caller that has gone. The timer ends with the call.
     */
    private static Bounded bounds(GrpcServerRequest<?, ?> call, Context context) {
        long timeout = call.timeout();
        CallBounds bounds = CallBounds.withTimeout(timeout);
        call.exceptionHandler(e -> bounds.cancel(ErrorReason.CANCELLED));
        call.response().exceptionHandler(e -> bounds.cancel(ErrorReason.CANCELLED));
        long timer = timeout <= 0 ? -1
                : context.owner().setTimer(timeout, id -> bounds.cancel(ErrorReason.DEADLINE_EXCEEDED));
        return new Bounded(bounds, context, timer);
    }

    /**
     * Where a handler sends the messages of a server-streaming method, from any thread: each is
     * written on the call's event loop, and dropped while the client is not reading (a watcher that
     * stops reading loses events rather than growing the server's memory; a stoppable handler's
     * last message says all) or once the call has ended.
     */
    private static <Resp> Consumer<Resp> writer(Context context, GrpcServerResponse<?, Resp> response) {
        return message -> context.runOnContext(ignored -> {
            try {
                if (!response.writeQueueFull()) {
                    response.write(message);
                }
            } catch (IllegalStateException closed) {
                LOG.log(Level.DEBUG, "message after the call ended: dropped");
            }
        });
    }

    /** A call's bounds and the timer of its deadline (-1 for none), cancelled when the work is done. */
    private record Bounded(CallBounds bounds, Context context, long timer) {
        static final Bounded NONE = new Bounded(CallBounds.NONE, null, -1);

        void done() {
            if (timer >= 0) {
                context.owner().cancelTimer(timer);
            }
        }
    }

    /**
     * Serves {@code handler}'s method, running its work on {@code workers}; a call not done within
     * {@code deadline} is answered with {@code onTimeout} at once (its late result, if any, is
     * dropped and its secret zeroed), so a hung dependency never holds a caller longer.
     */
    public <Req, Resp> void bind(UnaryHandler<Req, Resp> handler, WorkerExecutor workers, java.time.Duration deadline,
                                 ErrorReason onTimeout) {
        accept(handler.method(), handler.operation(), (call, callAudit, caller, context, request) -> {
            java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
            long timer = deadline == null ? -1 : context.owner().setTimer(deadline.toMillis(), id -> {
                if (answered.compareAndSet(false, true)) {
                    answerAfterAudit(context, call.response(), callAudit, request, null, new KmsException(onTimeout,
                            "no answer within " + deadline.toMillis() + " ms; retry later", Map.of()));
                }
            });
            Bounded bounded = handler.stoppable() ? bounds(call, context) : Bounded.NONE;
            // The worker does the call and hands its event to the audit log itself: the event
            // loop sees the call again only to answer, once the event is durable.
            workers.executeBlocking(CallLogContext.wrap(callAudit.requestId(), () -> {
                Reply<Resp> reply = null;
                KmsException error = null;
                try (io.opentelemetry.context.Scope traced = callAudit.observed().enter()) {
                    audit.checkWritable();
                    authorise(callAudit, caller, handler.operation());
                    reply = handler.stoppable()
                            ? handler.handle(caller, request, bounded.bounds(), writer(context, call.response()))
                            : handler.handle(caller, request);
                } catch (RuntimeException | Error failure) {
                    storeFailures.note(failure);
                    error = asKms(failure);
                } finally {
                    bounded.done();
                }
                if (!answered.compareAndSet(false, true)) {
                    if (reply != null) {
                        reply.release();
                    }
                    return null;
                }
                try {
                    // The timer is cancelled where it lives, on the event loop, when the answer is sent
                    // (from here, Vert.x would have to hand the cancellation to the event loop as a task
                    // of its own); until then it finds the call answered and does nothing.
                    answerAfterAudit(context, call.response(), callAudit, request, reply, error, timer);
                } catch (RuntimeException bug) {
                    // Nothing else would answer this call: say so, and never send the result unaudited.
                    if (reply != null) {
                        reply.release();
                    }
                    context.runOnContext(ignored -> {
                        callAudit.ended(ErrorReason.INTERNAL_ERROR);
                        fail(call.response(), bug);
                    });
                }
                return null;
            }), false);
        });
    }

    /** The caller's right to the operation, checked in the call's {@code policy} span. */
    private void authorise(CallAudit callAudit, Principal caller, coffre.kms.server.domain.Operation operation) {
        ObservedCall.Stage policy = callAudit.observed().policy();
        try {
            accessControl.check(caller, operation);
        } catch (KmsException refused) {
            policy.refused(refused.reason().name());
            throw refused;
        } finally {
            policy.end();
        }
    }

    /**
     * Records the call's event, then sends {@code reply} (or {@code error}) on {@code context} once
     * it is durable; if it cannot be recorded, the reply is withheld (its secret zeroed) and the
     * audit error sent. Called on the event loop or on a worker.
     */
    private <Resp> void answerAfterAudit(Context context, GrpcServerResponse<?, Resp> response, CallAudit callAudit,
                                         Object request, Reply<Resp> reply, KmsException error) {
        answerAfterAudit(context, response, callAudit, request, reply, error, -1);
    }

    /** As above, cancelling the Vert.x timer {@code deadlineTimer} (if not negative) on the event loop first. */
    private <Resp> void answerAfterAudit(Context context, GrpcServerResponse<?, Resp> response, CallAudit callAudit,
                                         Object request, Reply<Resp> reply, KmsException error, long deadlineTimer) {
        CompletionStage<Void> durable = audit.record(callAudit.event(request, reply == null ? null : reply.message(),
                error));
        // Started once the event is handed over: if building or handing it over throws, no span is left open.
        ObservedCall.Stage auditWait = callAudit.observed().stage("audit.wait");
        if (reply == null && error != null && error.reason() == ErrorReason.STORE_UNAVAILABLE) {
            // The store has just failed this call, most likely after waiting its whole connection
            // timeout, and the event goes to the same database: waiting as long again for it would
            // double the bound a caller is promised. The refusal is sent when the event is
            // durable or when the call has waited storeWait, whichever comes first; nothing was
            // done, and the event stays queued either way (written, or dropped if the store still
            // fails, as the event of any call refused AUDIT_UNAVAILABLE would be).
            long left = storeWait.toNanos() - (System.nanoTime() - callAudit.startedNanos());
            durable = durable.toCompletableFuture().copy()
                    .completeOnTimeout(null, Math.max(0, left), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        Future.fromCompletionStage(durable, context).onComplete(recorded -> {
            Runnable answer = () -> {
                auditWait.end();
                if (deadlineTimer >= 0) {
                    context.owner().cancelTimer(deadlineTimer);
                }
                // The copy above (a refusal bounded by storeWait) wraps a failed write in a CompletionException:
                // unwrapped, the caller gets the audit log's own reason, not INTERNAL_ERROR.
                KmsException failure = recorded.failed() ? asKms(unwrapJoin(recorded.cause())) : reply == null ? error : null;
                callAudit.ended(failure);
                if (reply == null) {
                    fail(response, failure);
                    return;
                }
                try {
                    if (failure == null) {
                        endUnlessGone(() -> response.end(reply.message()));
                    } else {
                        fail(response, failure);
                    }
                } finally {
                    reply.release();
                }
            };
            // A failure is logged here, with the call's request id; a call answered with its result
            // logs nothing, and skips the MDC's thread-local updates (measured: 1-2 % of a node's
            // CPU for the MDC on every call, docs/performance.md, "Telemetry cost").
            if (recorded.succeeded() && reply != null) {
                answer.run();
            } else {
                CallLogContext.run(callAudit.requestId(), answer);
            }
        });
    }

    /**
     * Serves a server-streaming method: the opening is audited (and durable) before the first
     * message; messages are written on the call's event loop whatever thread emits them, and the
     * subscription is closed when the client goes away.
     */
    public <Req, Resp> void bindStream(StreamHandler<Req, Resp> handler, WorkerExecutor workers) {
        accept(handler.method(), handler.operation(), (call, callAudit, caller, context, request) -> {
            Consumer<Resp> emit = writer(context, call.response());
            workers.<AutoCloseable>executeBlocking(CallLogContext.wrap(callAudit.requestId(), () -> {
                try (io.opentelemetry.context.Scope traced = callAudit.observed().enter()) {
                    audit.checkWritable();
                    authorise(callAudit, caller, handler.operation());
                } catch (KmsException refused) {
                    throw new RefusedStream(refused);
                }
                // Durable before the stream says anything (a blocking wait is fine on a worker).
                audit.record(callAudit.event(request, null, null)).toCompletableFuture().join();
                return handler.open(caller, request, emit);
            }), false).onComplete(opened -> {
                if (opened.failed()) {
                    if (opened.cause() instanceof RefusedStream refused) {
                        answerAfterAudit(context, call.response(), callAudit, request, null, refused.error);
                    } else {
                        storeFailures.note(unwrapJoin(opened.cause()));
                        KmsException failure = asKms(unwrapJoin(opened.cause()));
                        callAudit.ended(failure);
                        CallLogContext.run(callAudit.requestId(), () -> fail(call.response(), failure));
                    }
                    return;
                }
                // A stream is counted and timed when it opens; its span ends then too.
                callAudit.endedOk();
                Runnable close = () -> {
                    try {
                        opened.result().close();
                    } catch (Exception e) {
                        LOG.log(Level.DEBUG, "closing stream subscription: {0}", e.toString());
                    }
                };
                call.exceptionHandler(ignored -> close.run());
                call.errorHandler(ignored -> close.run());
            });
        });
    }

    /** A stream refused before it opened: its refusal still needs its audit event. */
    private static final class RefusedStream extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient KmsException error;

        RefusedStream(KmsException error) {
            super(null, null, false, false);
            this.error = error;
        }
    }

    private static Throwable unwrapJoin(Throwable cause) {
        return cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null
                ? cause.getCause() : cause;
    }

    private final Map<String, AuditFields> fieldsByMethod = new java.util.concurrent.ConcurrentHashMap<>();

    private AuditFields fields(MethodDescriptor<?, ?> method) {
        return fieldsByMethod.computeIfAbsent(method.getFullMethodName(), name -> AuditFields.of(
                descriptor(method.getRequestMarshaller()), descriptor(method.getResponseMarshaller())));
    }

    private static com.google.protobuf.Descriptors.Descriptor descriptor(MethodDescriptor.Marshaller<?> marshaller) {
        if (marshaller instanceof MethodDescriptor.PrototypeMarshaller<?> prototype
                && prototype.getMessagePrototype() instanceof Message message) {
            return message.getDescriptorForType();
        }
        throw new IllegalArgumentException("only protobuf methods can be bound: " + marshaller);
    }

    private static KmsException asKms(Throwable cause) {
        if (cause instanceof KmsException kms) {
            return kms;
        }
        if (cause instanceof StoreException store) {
            // The database is down or unreachable: nothing was done, and a retry (on any node) may succeed.
            LOG.log(Level.WARNING, "store unavailable: {0}", store.getMessage());
            return new KmsException(ErrorReason.STORE_UNAVAILABLE, "the metadata store is unavailable; retry later",
                    Map.of());
        }
        LOG.log(Level.ERROR, "unexpected failure", cause);
        return new KmsException(ErrorReason.INTERNAL_ERROR, "internal error", Map.of());
    }

    private static void fail(GrpcServerResponse<?, ?> response, Throwable cause) {
        fail(response, asKms(cause));
    }

    private static void fail(GrpcServerResponse<?, ?> response, KmsException error) {
        GrpcStatus status = ErrorMapping.statusOf(error.reason());
        response.trailers().set(ErrorMapping.DETAILS_TRAILER,
                ErrorMapping.details(error.reason(), error.getMessage(), error.metadata()));
        endUnlessGone(() -> response.status(status).statusMessage(error.getMessage()).end());
    }

    /**
     * Sends an answer, unless the caller cancelled the call (or its deadline passed) while it was
     * being worked on or audited: Vert.x then refuses to write, and there is no one to tell. The
     * call's audit event is already durable either way.
     */
    private static void endUnlessGone(Runnable end) {
        try {
            end.run();
        } catch (IllegalStateException gone) {
            LOG.log(Level.DEBUG, "call cancelled by the caller before its answer: {0}", gone.getMessage());
        }
    }
}
