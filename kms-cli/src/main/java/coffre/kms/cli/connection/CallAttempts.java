package coffre.kms.cli.connection;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Records which node each attempt of a call went to and how it ended, so that a failure can say
 * what was actually tried. A call over several endpoints is sent to one connected node
 * ({@code round_robin}) and moves to another only when retried after {@code UNAVAILABLE} or
 * {@code CANCELLED} (a node cut it): after a deadline, "no answer from any of a, b, c" would name
 * nodes that never saw the call.
 *
 * <p>Install it on the command's channel with {@code ClientInterceptors.intercept}. It keeps the
 * attempts of the last call started only: a command's calls run one after the other, and only the
 * failed one, the last, is reported.
 */
public final class CallAttempts implements ClientInterceptor {

    /**
     * One attempt of a call.
     *
     * @param node where the attempt's stream went, or empty if it never reached a transport
     * @param outcome how it ended, or empty if it was still open when the call failed
     */
    public record Attempt(Optional<SocketAddress> node, Optional<Status> outcome) {
    }

    private final Object lock = new Object();
    private List<Tracer> current = new ArrayList<>();

    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        List<Tracer> call = new ArrayList<>();
        synchronized (lock) {
            current = call;
        }
        ClientStreamTracer.Factory factory = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                Tracer tracer = new Tracer();
                synchronized (lock) {
                    call.add(tracer);
                }
                return tracer;
            }
        };
        return next.newCall(method, options.withStreamTracerFactory(factory));
    }

    /** The attempts of the last call started, in order. */
    public List<Attempt> lastCall() {
        synchronized (lock) {
            return current.stream().map(Tracer::attempt).toList();
        }
    }

    /** {@code host:port} of an IP socket address (no reverse lookup), else the address's own text. */
    public static String describe(SocketAddress address) {
        return address instanceof InetSocketAddress ip ? ip.getHostString() + ":" + ip.getPort() : address.toString();
    }

    /** gRPC calls these from its own threads; the fields are read by the command's thread. */
    private static final class Tracer extends ClientStreamTracer {
        private volatile SocketAddress node;
        private volatile Status outcome;

        @Override
        public void streamCreated(io.grpc.Attributes transportAttrs, Metadata headers) {
            node = transportAttrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        }

        @Override
        public void streamClosed(Status status) {
            outcome = status;
        }

        Attempt attempt() {
            return new Attempt(Optional.ofNullable(node), Optional.ofNullable(outcome));
        }
    }
}
