package coffre.kms.client;

import coffre.kms.v1.AsymmetricDecryptRequest;
import coffre.kms.v1.AsymmetricDecryptResponse;
import coffre.kms.v1.CancelKeyDeletionRequest;
import coffre.kms.v1.CancelKeyDeletionResponse;
import coffre.kms.v1.CreateGrantRequest;
import coffre.kms.v1.CreateGrantResponse;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateKeyResponse;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.DisableKeyResponse;
import coffre.kms.v1.EnableKeyRequest;
import coffre.kms.v1.EnableKeyResponse;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.GetKeyResponse;
import coffre.kms.v1.GetPublicKeyRequest;
import coffre.kms.v1.GetPublicKeyResponse;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.ListGrantsRequest;
import coffre.kms.v1.ListGrantsResponse;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.ListKeysResponse;
import coffre.kms.v1.RevokeGrantRequest;
import coffre.kms.v1.RevokeGrantResponse;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.RotateKeyResponse;
import coffre.kms.v1.ScheduleKeyDeletionRequest;
import coffre.kms.v1.ScheduleKeyDeletionResponse;
import coffre.kms.v1.SetAccessPolicyRequest;
import coffre.kms.v1.SetAccessPolicyResponse;
import coffre.kms.v1.SetApprovalPolicyRequest;
import coffre.kms.v1.SetApprovalPolicyResponse;
import coffre.kms.v1.SignRequest;
import coffre.kms.v1.SignResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.VerifyRequest;
import coffre.kms.v1.VerifyResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The calls of {@link CoffreClient} without blocking a thread: every {@code CryptoService} and
 * {@code KeyService} RPC returning a {@link CompletableFuture}, for services built on event loops
 * or with many calls in flight. Obtained from {@link CoffreClient#async()}; same channel, deadline
 * (per call, retries included) and retries as the blocking calls.
 *
 * <p>The contract:
 * <ul>
 *   <li>A failed call completes its future exceptionally with the same typed {@link CoffreException}
 *       the blocking call would throw (callers of {@code join()} see it wrapped in a
 *       {@code CompletionException}).</li>
 *   <li>Cancelling a future cancels its RPC.</li>
 *   <li>Futures complete on gRPC's callback threads: dependent stages that block or take long
 *       should use the {@code ...Async(..., executor)} forms of {@code CompletableFuture}.</li>
 *   <li>Responses of {@code unwrap} and {@code generateDataKey} hold plaintext: never log them.</li>
 * </ul>
 * Thread-safe.
 */
public final class CoffreAsync {

    private final Channel channel;
    private final Duration deadline;

    /**
     * @param channel any channel to Coffre (a client's)
     * @param deadline of each call; positive
     */
    public CoffreAsync(Channel channel, Duration deadline) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
    }

    // CryptoService

    /** {@link CoffreClient#wrap(WrapRequest)}, without blocking. */
    public CompletableFuture<WrapResponse> wrap(WrapRequest request) {
        return call(CryptoServiceGrpc.getWrapMethod(), request);
    }

    /** {@link CoffreClient#wrap(String, byte[], Map)}, without blocking. */
    public CompletableFuture<WrapResponse> wrap(String keyId, byte[] plaintext, Map<String, String> encryptionContext) {
        return wrap(WrapRequest.newBuilder().setKeyId(keyId).setPlaintext(ByteString.copyFrom(plaintext))
                .putAllEncryptionContext(encryptionContext).build());
    }

    /** {@link CoffreClient#unwrap(UnwrapRequest)}, without blocking. */
    public CompletableFuture<UnwrapResponse> unwrap(UnwrapRequest request) {
        return call(CryptoServiceGrpc.getUnwrapMethod(), request);
    }

    /** {@link CoffreClient#unwrap(byte[], Map)}, without blocking. */
    public CompletableFuture<UnwrapResponse> unwrap(byte[] envelope, Map<String, String> encryptionContext) {
        return unwrap(UnwrapRequest.newBuilder().setEnvelope(ByteString.copyFrom(envelope))
                .putAllEncryptionContext(encryptionContext).build());
    }

    /** {@link CoffreClient#generateDataKey(GenerateDataKeyRequest)}, without blocking. */
    public CompletableFuture<GenerateDataKeyResponse> generateDataKey(GenerateDataKeyRequest request) {
        return call(CryptoServiceGrpc.getGenerateDataKeyMethod(), request);
    }

    /** {@link CoffreClient#generateDataKey(String, int, Map)}, without blocking. */
    public CompletableFuture<GenerateDataKeyResponse> generateDataKey(String keyId, int lengthBytes,
                                                                      Map<String, String> encryptionContext) {
        return generateDataKey(GenerateDataKeyRequest.newBuilder().setKeyId(keyId).setLengthBytes(lengthBytes)
                .putAllEncryptionContext(encryptionContext).build());
    }

    /** {@link CoffreClient#rewrap(RewrapRequest)}, without blocking. */
    public CompletableFuture<RewrapResponse> rewrap(RewrapRequest request) {
        return call(CryptoServiceGrpc.getRewrapMethod(), request);
    }

    /** {@link CoffreClient#rewrap(byte[], Map)}, without blocking. */
    public CompletableFuture<RewrapResponse> rewrap(byte[] envelope, Map<String, String> encryptionContext) {
        return rewrap(RewrapRequest.newBuilder().setEnvelope(ByteString.copyFrom(envelope))
                .putAllEncryptionContext(encryptionContext).build());
    }

    /** {@link CoffreClient#getPublicKey(String, int)}, without blocking. */
    public CompletableFuture<GetPublicKeyResponse> getPublicKey(GetPublicKeyRequest request) {
        return call(CryptoServiceGrpc.getGetPublicKeyMethod(), request);
    }

    /** {@link CoffreClient#asymmetricDecrypt(String, int, byte[])}, without blocking. */
    public CompletableFuture<AsymmetricDecryptResponse> asymmetricDecrypt(AsymmetricDecryptRequest request) {
        return call(CryptoServiceGrpc.getAsymmetricDecryptMethod(), request);
    }

    /** {@link CoffreClient#sign(SignRequest)}, without blocking. */
    public CompletableFuture<SignResponse> sign(SignRequest request) {
        return call(CryptoServiceGrpc.getSignMethod(), request);
    }

    /** {@link CoffreClient#verify(VerifyRequest)}, without blocking: a signature that does not verify is {@code valid == false}. */
    public CompletableFuture<VerifyResponse> verify(VerifyRequest request) {
        return call(CryptoServiceGrpc.getVerifyMethod(), request);
    }

    // KeyService: requests for changes come back with an approval request for officers to sign.

    /** KeyService.CreateKey: an approval request for the new key. Not retried (see docs/client-settings.md). */
    public CompletableFuture<CreateKeyResponse> createKey(CreateKeyRequest request) {
        return call(KeyServiceGrpc.getCreateKeyMethod(), request);
    }

    /** KeyService.GetKey. */
    public CompletableFuture<GetKeyResponse> getKey(GetKeyRequest request) {
        return call(KeyServiceGrpc.getGetKeyMethod(), request);
    }

    /** KeyService.ListKeys: one page. */
    public CompletableFuture<ListKeysResponse> listKeys(ListKeysRequest request) {
        return call(KeyServiceGrpc.getListKeysMethod(), request);
    }

    /** KeyService.RotateKey: an approval request. */
    public CompletableFuture<RotateKeyResponse> rotateKey(RotateKeyRequest request) {
        return call(KeyServiceGrpc.getRotateKeyMethod(), request);
    }

    /** KeyService.DisableKey: acts at once on one officer's signature. */
    public CompletableFuture<DisableKeyResponse> disableKey(DisableKeyRequest request) {
        return call(KeyServiceGrpc.getDisableKeyMethod(), request);
    }

    /** KeyService.EnableKey: an approval request. */
    public CompletableFuture<EnableKeyResponse> enableKey(EnableKeyRequest request) {
        return call(KeyServiceGrpc.getEnableKeyMethod(), request);
    }

    /** KeyService.ScheduleKeyDeletion: an approval request. */
    public CompletableFuture<ScheduleKeyDeletionResponse> scheduleKeyDeletion(ScheduleKeyDeletionRequest request) {
        return call(KeyServiceGrpc.getScheduleKeyDeletionMethod(), request);
    }

    /** KeyService.CancelKeyDeletion: an approval request. */
    public CompletableFuture<CancelKeyDeletionResponse> cancelKeyDeletion(CancelKeyDeletionRequest request) {
        return call(KeyServiceGrpc.getCancelKeyDeletionMethod(), request);
    }

    /** KeyService.SetAccessPolicy: an approval request. */
    public CompletableFuture<SetAccessPolicyResponse> setAccessPolicy(SetAccessPolicyRequest request) {
        return call(KeyServiceGrpc.getSetAccessPolicyMethod(), request);
    }

    /** KeyService.SetApprovalPolicy: an approval request. */
    public CompletableFuture<SetApprovalPolicyResponse> setApprovalPolicy(SetApprovalPolicyRequest request) {
        return call(KeyServiceGrpc.getSetApprovalPolicyMethod(), request);
    }

    /** KeyService.CreateGrant: an approval request. */
    public CompletableFuture<CreateGrantResponse> createGrant(CreateGrantRequest request) {
        return call(KeyServiceGrpc.getCreateGrantMethod(), request);
    }

    /** KeyService.ListGrants: one page. */
    public CompletableFuture<ListGrantsResponse> listGrants(ListGrantsRequest request) {
        return call(KeyServiceGrpc.getListGrantsMethod(), request);
    }

    /** KeyService.RevokeGrant: acts at once on one officer's signature. */
    public CompletableFuture<RevokeGrantResponse> revokeGrant(RevokeGrantRequest request) {
        return call(KeyServiceGrpc.getRevokeGrantMethod(), request);
    }

    /** The deadline of each call. */
    public Duration deadline() {
        return deadline;
    }

    private <Q, R> CompletableFuture<R> call(MethodDescriptor<Q, R> method, Q request) {
        Objects.requireNonNull(request, "request");
        ClientCall<Q, R> call = channel.newCall(method,
                CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
        CompletableFuture<R> future = new CompletableFuture<>();
        future.whenComplete((response, failure) -> {
            if (future.isCancelled()) {
                call.cancel("cancelled by the caller", null);
            }
        });
        ClientCalls.asyncUnaryCall(call, request, new StreamObserver<>() {
            private R response;

            @Override
            public void onNext(R value) {
                response = value;
            }

            @Override
            public void onError(Throwable failure) {
                future.completeExceptionally(CoffreErrors.toException(failure));
            }

            @Override
            public void onCompleted() {
                future.complete(response);
            }
        });
        return future;
    }
}
