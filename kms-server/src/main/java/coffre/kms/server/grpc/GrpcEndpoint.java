package coffre.kms.server.grpc;

import coffre.kms.server.domain.AccessControl;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import io.vertx.core.WorkerExecutor;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpcio.server.GrpcIoServer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * Binds {@link UnaryHandler}s to the Vert.x gRPC server: authenticate on the event loop, then
 * authorise and handle on a bounded worker pool (HSM and store calls block), then answer on the
 * event loop. Failures become a status plus a {@code google.rpc.ErrorInfo}; anything unexpected
 * is logged here and reaches the client only as {@link ErrorReason#INTERNAL_ERROR}.
 */
public final class GrpcEndpoint {
    private static final Logger LOG = System.getLogger(GrpcEndpoint.class.getName());

    private final GrpcIoServer server;
    private final AccessControl accessControl;
    private final RateLimiter rateLimiter;

    public GrpcEndpoint(GrpcIoServer server, AccessControl accessControl, RateLimiter rateLimiter) {
        this.server = server;
        this.accessControl = accessControl;
        this.rateLimiter = rateLimiter;
    }

    /**
     * Who is calling, and may they call now. A caller without a principal, or over its rate, is
     * refused before any work: the request is drained and answered with the error, and null is
     * returned.
     */
    private Principal admit(io.vertx.grpc.server.GrpcServerRequest<?, ?> call) {
        try {
            Principal caller = CallerIdentity.of(call.connection());
            rateLimiter.acquire(caller);
            return caller;
        } catch (KmsException e) {
            call.handler(ignored -> { });
            call.endHandler(ignored -> fail(call.response(), e));
            return null;
        }
    }

    /** Serves {@code handler}'s method, running its work on {@code workers}. */
    public <Req, Resp> void bind(UnaryHandler<Req, Resp> handler, WorkerExecutor workers) {
        server.callHandler(handler.method(), call -> {
            Principal caller = admit(call);
            if (caller == null) {
                return;
            }
            call.last().onComplete(received -> {
                if (received.failed()) {
                    LOG.log(Level.DEBUG, "request not received: {0}", received.cause().toString());
                    return;
                }
                Req request = received.result();
                workers.<Reply<Resp>>executeBlocking(() -> {
                    accessControl.check(caller, handler.operation());
                    return handler.handle(caller, request);
                }, false).onComplete(done -> {
                    if (done.succeeded()) {
                        Reply<Resp> reply = done.result();
                        try {
                            call.response().end(reply.message());
                        } finally {
                            reply.release();
                        }
                    } else {
                        fail(call.response(), done.cause());
                    }
                });
            });
        });
    }

    /**
     * Serves a server-streaming method: messages are written on the call's event loop whatever
     * thread emits them, and the subscription is closed when the client goes away.
     */
    public <Req, Resp> void bindStream(StreamHandler<Req, Resp> handler, WorkerExecutor workers) {
        server.callHandler(handler.method(), call -> {
            Principal caller = admit(call);
            if (caller == null) {
                return;
            }
            io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
            call.last().onComplete(received -> {
                if (received.failed()) {
                    return;
                }
                // A watcher that stops reading loses events rather than growing the server's memory.
                java.util.function.Consumer<Resp> emit = message -> context.runOnContext(ignored -> {
                    try {
                        if (!call.response().writeQueueFull()) {
                            call.response().write(message);
                        }
                    } catch (IllegalStateException closed) {
                        LOG.log(Level.DEBUG, "stream already closed");
                    }
                });
                workers.<AutoCloseable>executeBlocking(() -> {
                    accessControl.check(caller, handler.operation());
                    return handler.open(caller, received.result(), emit);
                }, false).onComplete(opened -> {
                    if (opened.failed()) {
                        fail(call.response(), opened.cause());
                        return;
                    }
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
        });
    }

    private static void fail(GrpcServerResponse<?, ?> response, Throwable cause) {
        KmsException error;
        if (cause instanceof KmsException kms) {
            error = kms;
        } else {
            LOG.log(Level.ERROR, "unexpected failure", cause);
            error = new KmsException(ErrorReason.INTERNAL_ERROR, "internal error", Map.of());
        }
        GrpcStatus status = ErrorMapping.statusOf(error.reason());
        response.trailers().set(ErrorMapping.DETAILS_TRAILER,
                ErrorMapping.details(error.reason(), error.getMessage(), error.metadata()));
        response.status(status).statusMessage(error.getMessage()).end();
    }

}
