package coffre.kms.server.grpc;

import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import io.grpc.MethodDescriptor;

/**
 * One unary gRPC method. {@link GrpcEndpoint} authenticates the caller, checks that it may
 * perform {@link #operation()}, and runs {@link #handle} on a worker thread, never on the event
 * loop; a thrown {@link coffre.kms.server.domain.KmsException} becomes the rich gRPC error.
 */
public interface UnaryHandler<Req, Resp> {

    MethodDescriptor<Req, Resp> method();

    Operation operation();

    Reply<Resp> handle(Principal caller, Req request);
}
