package coffre.kms.loadtest;

import coffre.kms.v1.AsymmetricDecryptRequest;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.EncryptionAlgorithm;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.SignRequest;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.WrapRequest;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Sends {@code CryptoService} calls over a {@link ChannelPool} (round-robin), with a per-call
 * deadline. Request messages are built per call (as a real client would), from the
 * {@link Workload} and, for Unwrap and Rewrap, an {@link EnvelopePool}, for AsymmetricDecrypt an
 * {@link RsaCiphertextPool}.
 */
public final class GrpcCallSender implements CallSender {
    private final ChannelPool channels;
    private final Workload workload;
    private final EnvelopePool envelopes;
    private final RsaCiphertextPool rsaCiphertexts;
    private final long timeoutMillis;

    /** @param envelopes may be null when the mix has no Unwrap or Rewrap */
    public GrpcCallSender(ChannelPool channels, Workload workload, EnvelopePool envelopes, long timeoutMillis) {
        this(channels, workload, envelopes, null, timeoutMillis);
    }

    /** @param rsaCiphertexts may be null when the mix has no AsymmetricDecrypt */
    public GrpcCallSender(ChannelPool channels, Workload workload, EnvelopePool envelopes,
                          RsaCiphertextPool rsaCiphertexts, long timeoutMillis) {
        this.channels = channels;
        this.workload = workload;
        this.envelopes = envelopes;
        this.rsaCiphertexts = rsaCiphertexts;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void send(Operation op, CallListener listener) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        CryptoServiceGrpc.CryptoServiceStub stub = CryptoServiceGrpc.newStub(channels.next())
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
        switch (op) {
            case WRAP -> stub.wrap(WrapRequest.newBuilder().setKeyId(workload.key(random))
                    .setPlaintext(workload.payload()).putAllEncryptionContext(workload.context()).build(),
                    observer(listener));
            case UNWRAP -> stub.unwrap(UnwrapRequest.newBuilder().setEnvelope(envelopes().pick(random))
                    .putAllEncryptionContext(workload.context()).build(), observer(listener));
            case GENERATE_DATA_KEY -> stub.generateDataKey(GenerateDataKeyRequest.newBuilder()
                    .setKeyId(workload.key(random)).setLengthBytes(workload.dataKeyBytes())
                    .putAllEncryptionContext(workload.context()).build(), observer(listener));
            case REWRAP -> stub.rewrap(RewrapRequest.newBuilder().setEnvelope(envelopes().pick(random))
                    .putAllEncryptionContext(workload.context()).build(), observer(listener));
            case ASYMMETRIC_DECRYPT -> {
                RsaCiphertextPool.Ciphertext picked = rsaCiphertexts().pick(random);
                stub.asymmetricDecrypt(AsymmetricDecryptRequest.newBuilder().setKeyId(picked.keyId())
                        .setKeyVersion(picked.keyVersion()).setCiphertext(picked.ciphertext())
                        .setAlgorithm(EncryptionAlgorithm.RSAES_OAEP_SHA_256).build(), observer(listener));
            }
            case SIGN -> stub.sign(SignRequest.newBuilder().setKeyId(workload.key(random))
                    .setMessage(workload.payload()).build(), observer(listener));
            default -> throw new IllegalArgumentException(op.cliName() + " is not a gRPC call");
        }
    }

    private RsaCiphertextPool rsaCiphertexts() {
        if (rsaCiphertexts == null) {
            throw new IllegalStateException("no RSA ciphertext pool: asymmetric-decrypt needs one");
        }
        return rsaCiphertexts;
    }

    private EnvelopePool envelopes() {
        if (envelopes == null) {
            throw new IllegalStateException("no envelope pool: unwrap and rewrap need one");
        }
        return envelopes;
    }

    private static <T> StreamObserver<T> observer(CallListener listener) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                // The response itself is not checked: only whether the call succeeded.
            }

            @Override
            public void onError(Throwable t) {
                listener.failed(ErrorReasons.of(t));
            }

            @Override
            public void onCompleted() {
                listener.succeeded();
            }
        };
    }
}
