package coffre.kms.server.grpc;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.InternalServer;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * gRPC server reflection (v1 and v1alpha) for tools such as grpcurl, served by grpc-java's
 * reflection service through the Vert.x bridge. That service asks the current {@link Server} for
 * its services; the Vert.x server is not one, so an interceptor places a descriptor-only
 * {@link Server} into the call's context.
 */
public final class ReflectionSupport {
    private ReflectionSupport() {
    }

    /** The reflection services, answering for {@code described} (which should include themselves). */
    @SuppressWarnings("deprecation")
    public static List<ServerServiceDefinition> services(List<ServiceDescriptor> described) {
        List<BindableService> reflection = List.of(ProtoReflectionServiceV1.newInstance(),
                ProtoReflectionService.newInstance());
        List<ServiceDescriptor> all = new java.util.ArrayList<>(described);
        reflection.forEach(service -> all.add(service.bindService().getServiceDescriptor()));
        Server index = new DescriptorIndex(all.stream().map(ReflectionSupport::unimplemented).toList());
        ServerInterceptor withIndex = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                ServerCallHandler<Q, R> next) {
                Context context = Context.current().withValue(InternalServer.SERVER_CONTEXT_KEY, index);
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
        return reflection.stream().map(service -> ServerInterceptors.intercept(service, withIndex)).toList();
    }

    private static ServerServiceDefinition unimplemented(ServiceDescriptor descriptor) {
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor);
        descriptor.getMethods().forEach(method -> addUnimplemented(builder, method));
        return builder.build();
    }

    private static <Q, R> void addUnimplemented(ServerServiceDefinition.Builder builder,
                                                io.grpc.MethodDescriptor<Q, R> method) {
        ServerCallHandler<Q, R> handler = (call, headers) -> {
            call.close(Status.UNIMPLEMENTED, new Metadata());
            return new ServerCall.Listener<Q>() { };
        };
        builder.addMethod(method, handler);
    }

    /** A {@link Server} that only lists service definitions; it never serves or listens. */
    private static final class DescriptorIndex extends Server {
        private final List<ServerServiceDefinition> services;

        DescriptorIndex(List<ServerServiceDefinition> services) {
            this.services = List.copyOf(services);
        }

        @Override
        public List<ServerServiceDefinition> getServices() {
            return services;
        }

        @Override
        public List<ServerServiceDefinition> getImmutableServices() {
            return services;
        }

        @Override
        public List<ServerServiceDefinition> getMutableServices() {
            return List.of();
        }

        @Override
        public Server start() {
            return this;
        }

        @Override
        public Server shutdown() {
            return this;
        }

        @Override
        public Server shutdownNow() {
            return this;
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return false;
        }

        @Override
        public void awaitTermination() {
        }
    }
}
