package coffre.kms.server.grpc;

import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import io.grpc.MethodDescriptor;
import java.util.function.BiFunction;

/**
 * A {@link UnaryHandler} from a function, for RPCs whose whole handling is one call into the
 * domain (the services list theirs in one place, e.g. {@code ApprovalHandlers}).
 */
public record Unary<Req, Resp>(MethodDescriptor<Req, Resp> method, Operation operation,
                               BiFunction<Principal, Req, Resp> body) implements UnaryHandler<Req, Resp> {

    @Override
    public Reply<Resp> handle(Principal caller, Req request) {
        return Reply.of(body.apply(caller, request));
    }
}
