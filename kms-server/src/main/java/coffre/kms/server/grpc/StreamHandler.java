package coffre.kms.server.grpc;

import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import io.grpc.MethodDescriptor;
import java.util.function.Consumer;

/**
 * One server-streaming gRPC method. {@link #open} runs on a worker after authentication and
 * authorisation; it sends the initial messages through {@code emit}, subscribes for later ones
 * and returns the subscription, which {@link GrpcEndpoint} closes when the call ends. {@code emit}
 * may be called from any thread.
 */
public interface StreamHandler<Req, Resp> {

    MethodDescriptor<Req, Resp> method();

    Operation operation();

    AutoCloseable open(Principal caller, Req request, Consumer<Resp> emit);
}
