package coffre.kms.loadtest;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm.LabelCheck;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.pkcs11.PinSource;
import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.pkcs11.Pkcs11HsmConfig;
import coffre.hsm.pkcs11.TokenSelector;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpcio.server.GrpcIoServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The smallest HSM service ("S" in the benchmark): the no-op baseline's gRPC and mTLS stack
 * ({@link BaselineListener}) with, for each call, the HSM operation H measures and nothing else —
 * the request handed from the event loop to one of {@code --sessions} worker threads, AES-256-GCM
 * through hsm-adapters on a key of its own (session copies, as a node opens its token), the answer
 * sent from the event loop. No audit, store, access check or key lookup: what it serves per second
 * is what a KMS on this stack that hands its HSM calls off the event loop (as it must) could serve at
 * best, beside L, which assumes the HSM operation costs nothing but its CPU.
 *
 * <p>Its envelopes are IV, ciphertext and tag under its one key, the AAD the request's encryption
 * context in key order; it unwraps its own envelopes only (any other is {@code INVALID_ARGUMENT}).
 * The key is made at start under a random label and destroyed at close.
 */
@Command(name = "coffre-hsm-only-server", mixinStandardHelpOptions = true, sortOptions = false,
        description = "CryptoService doing only the HSM operation, on worker threads, over Vert.x gRPC with mTLS "
                + "(benchmark baseline). Runs until killed.")
public final class HsmOnlyServer implements Callable<Integer>, AutoCloseable {
    private static final String KEY_ID = "key-hsm-only";

    @Mixin
    BaselineListener listener = new BaselineListener();

    @Option(names = "--hsm-profile", defaultValue = "softhsm2", description = "hsm-adapters profile (default ${DEFAULT-VALUE})")
    String profile;

    @Option(names = "--hsm-library", description = "PKCS#11 module (default: the profile's)")
    Path library;

    @Option(names = "--token-label", required = true, description = "token to open")
    String tokenLabel;

    @Option(names = "--pin-file", required = true, description = "file holding the token's user PIN")
    Path pinFile;

    @Option(names = "--sessions", defaultValue = "4", description = "HSM sessions and worker threads, as kms-server's "
            + "hsm.sessions (default ${DEFAULT-VALUE})")
    int sessions;

    @Option(names = "--on-event-loop", description = "do the HSM operation on the event loop itself, no hand-off "
            + "(to measure what the hand-off costs: a KMS must not block its event loop on the HSM)")
    boolean onEventLoop;

    private Vertx vertx;
    private Pkcs11Hsm hsm;
    private String keyLabel;
    private HsmKeyRef key;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HsmOnlyServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        listener.runUntilKilled("hsm-only server", start(), this::close);
        return 0;
    }

    /** Opens the token, makes the key, starts serving; returns the bound port. */
    public int start() throws InterruptedException, ExecutionException, TimeoutException {
        hsm = Pkcs11Hsm.open(new Pkcs11HsmConfig(profile, library, TokenSelector.label(tokenLabel),
                PinSource.fromFile(pinFile), sessions, true));
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        keyLabel = "hsm-only-" + HexFormat.of().formatHex(random);
        key = hsm.generateKey(keyLabel, LabelCheck.CALLER_MADE_UNIQUE);

        vertx = Vertx.vertx();
        WorkerExecutor handOff = onEventLoop ? null : vertx.createSharedWorkerExecutor("hsm-only-crypto", sessions);
        GrpcIoServer grpc = GrpcIoServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(65536));
        serve(grpc, handOff, CryptoServiceGrpc.getWrapMethod(), this::wrap);
        serve(grpc, handOff, CryptoServiceGrpc.getUnwrapMethod(), this::unwrap);
        serve(grpc, handOff, CryptoServiceGrpc.getGenerateDataKeyMethod(), this::generateDataKey);
        serve(grpc, handOff, CryptoServiceGrpc.getRewrapMethod(), this::rewrap);
        return listener.listen(vertx, grpc);
    }

    /**
     * Each call: its request to a worker, {@code work} there, the answer (or the refusal) from the
     * event loop; with no {@code workers}, {@code work} on the event loop.
     */
    private static <Req, Resp> void serve(GrpcIoServer grpc, WorkerExecutor workers, MethodDescriptor<Req, Resp> method,
                                          Function<Req, Resp> work) {
        grpc.callHandler(method, call -> call.last().onSuccess(request -> {
            Future<Resp> done = workers == null ? Future.future(p -> p.complete(work.apply(request)))
                    : workers.executeBlocking(() -> work.apply(request), false);
            done.onComplete(result -> {
                if (result.succeeded()) {
                    call.response().end(result.result());
                } else if (result.cause() instanceof Refused refused) {
                    call.response().status(GrpcStatus.INVALID_ARGUMENT).statusMessage(refused.getMessage()).end();
                } else {
                    call.response().status(GrpcStatus.INTERNAL).statusMessage("HSM operation failed: "
                            + result.cause().getClass().getSimpleName()).end();
                }
            });
        }));
    }

    private WrapResponse wrap(WrapRequest request) {
        return WrapResponse.newBuilder().setEnvelope(seal(request.getPlaintext().toByteArray(),
                request.getEncryptionContextMap())).setKeyId(KEY_ID).setKeyVersion(1).build();
    }

    private UnwrapResponse unwrap(UnwrapRequest request) {
        byte[] plaintext = open(request.getEnvelope(), request.getEncryptionContextMap());
        try {
            return UnwrapResponse.newBuilder().setPlaintext(ByteString.copyFrom(plaintext)).setKeyId(KEY_ID)
                    .setKeyVersion(1).build();
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    private GenerateDataKeyResponse generateDataKey(GenerateDataKeyRequest request) {
        int length = request.getLengthBytes() == 0 ? 32 : request.getLengthBytes();
        if (length != 16 && length != 24 && length != 32 && length != 64) {
            throw new Refused("length_bytes must be 16, 24, 32 or 64");
        }
        byte[] dataKey = hsm.randomBytes(length);
        try {
            return GenerateDataKeyResponse.newBuilder().setPlaintext(ByteString.copyFrom(dataKey))
                    .setEnvelope(seal(dataKey, request.getEncryptionContextMap())).setKeyId(KEY_ID).setKeyVersion(1)
                    .build();
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    private RewrapResponse rewrap(RewrapRequest request) {
        byte[] plaintext = open(request.getEnvelope(), request.getEncryptionContextMap());
        try {
            return RewrapResponse.newBuilder().setEnvelope(seal(plaintext, request.getEncryptionContextMap()))
                    .setKeyId(KEY_ID).setKeyVersion(1).setSourceKeyId(KEY_ID).setSourceKeyVersion(1).build();
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    /** IV, ciphertext and tag. */
    private ByteString seal(byte[] plaintext, Map<String, String> context) {
        GcmCiphertext sealed = hsm.encrypt(key, aad(context), plaintext);
        return ByteString.copyFrom(sealed.iv()).concat(ByteString.copyFrom(sealed.ciphertextAndTag()));
    }

    private byte[] open(ByteString envelope, Map<String, String> context) {
        if (envelope.size() < GcmCiphertext.IV_LENGTH + GcmCiphertext.TAG_LENGTH) {
            throw new Refused("envelope too short: " + envelope.size() + " bytes");
        }
        try {
            return hsm.decrypt(key, envelope.substring(0, GcmCiphertext.IV_LENGTH).toByteArray(), aad(context),
                    envelope.substring(GcmCiphertext.IV_LENGTH).toByteArray());
        } catch (HsmException e) {
            if (e.kind() == HsmErrorKind.AUTHENTICATION_FAILED) {
                throw new Refused("envelope not sealed by this server with this encryption context");
            }
            throw e;
        }
    }

    /** The context's entries in key order, each key and value length-prefixed (UTF-8). */
    static byte[] aad(Map<String, String> context) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> entry : new TreeMap<>(context).entrySet()) {
            for (String part : new String[] {entry.getKey(), entry.getValue()}) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                out.write(bytes.length >>> 8);
                out.write(bytes.length);
                out.writeBytes(bytes);
            }
        }
        return out.toByteArray();
    }

    /** A request this server does not serve: {@code INVALID_ARGUMENT}. */
    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The label of its key on the token (random, made at start). */
    String keyLabel() {
        return keyLabel;
    }

    @Override
    public void close() {
        if (vertx != null) {
            BaselineListener.close(vertx, "hsm-only server");
            vertx = null;
        }
        if (hsm != null) {
            try {
                hsm.destroyKey(keyLabel);
            } finally {
                hsm.close();
                hsm = null;
            }
        }
    }
}
