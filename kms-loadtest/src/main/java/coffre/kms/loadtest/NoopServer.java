package coffre.kms.loadtest;

import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.vertx.core.Vertx;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpcio.server.GrpcIoServer;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The no-op gRPC baseline ("G" in the benchmark): a Vert.x 5 gRPC server with the same mTLS set-up
 * as kms-server ({@link BaselineListener}) that answers {@code CryptoService} calls at once, on the
 * event loop, with fixed responses of realistic size (envelopes of a 32-byte plaintext: 96 bytes). What it
 * serves per second bounds what any server on this stack can serve on the same machine.
 */
@Command(name = "coffre-noop-server", mixinStandardHelpOptions = true, sortOptions = false,
        description = "No-op CryptoService over Vert.x gRPC with mTLS (benchmark baseline). Runs until killed.")
public final class NoopServer implements Callable<Integer>, AutoCloseable {
    /** Envelope of a 32-byte plaintext under a 30-character key id (docs/envelope-format.md: n + 64). */
    static final int ENVELOPE_BYTES = 96;
    private static final String KEY_ID = "key-" + "a".repeat(26);

    @Mixin
    BaselineListener listener = new BaselineListener();

    private Vertx vertx;

    public static void main(String[] args) {
        System.exit(new CommandLine(new NoopServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        listener.runUntilKilled("noop server", start(), this::close);
        return 0;
    }

    /** Starts serving; returns the bound port. */
    public int start() throws InterruptedException, ExecutionException, TimeoutException {
        vertx = Vertx.vertx();
        byte[] envelope = new byte[ENVELOPE_BYTES];
        new SecureRandom().nextBytes(envelope);
        ByteString env = ByteString.copyFrom(envelope);
        ByteString plaintext = env.substring(0, 32);
        WrapResponse wrap = WrapResponse.newBuilder().setEnvelope(env).setKeyId(KEY_ID).setKeyVersion(1).build();
        UnwrapResponse unwrap = UnwrapResponse.newBuilder().setPlaintext(plaintext).setKeyId(KEY_ID).setKeyVersion(1)
                .build();
        GenerateDataKeyResponse dataKey = GenerateDataKeyResponse.newBuilder().setPlaintext(plaintext)
                .setEnvelope(env).setKeyId(KEY_ID).setKeyVersion(1).build();
        RewrapResponse rewrap = RewrapResponse.newBuilder().setEnvelope(env).setKeyId(KEY_ID).setKeyVersion(1)
                .setSourceKeyId(KEY_ID).setSourceKeyVersion(1).build();

        GrpcIoServer grpc = GrpcIoServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(65536));
        answer(grpc, CryptoServiceGrpc.getWrapMethod(), wrap);
        answer(grpc, CryptoServiceGrpc.getUnwrapMethod(), unwrap);
        answer(grpc, CryptoServiceGrpc.getGenerateDataKeyMethod(), dataKey);
        answer(grpc, CryptoServiceGrpc.getRewrapMethod(), rewrap);

        return listener.listen(vertx, grpc);
    }

    private static <Req, Resp> void answer(GrpcIoServer grpc, MethodDescriptor<Req, Resp> method, Resp response) {
        grpc.callHandler(method, call -> call.last().onSuccess(ignored -> call.response().end(response)));
    }

    @Override
    public void close() {
        if (vertx != null) {
            BaselineListener.close(vertx, "noop server");
            vertx = null;
        }
    }
}
