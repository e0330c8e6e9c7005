package coffre.kms.loadtest;

import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.random.RandomGenerator;

/**
 * Envelopes made before the run for Unwrap and Rewrap calls: envelope {@code i} is the workload's
 * payload wrapped under key {@code i mod keys} with the workload's context, so every key is used
 * when the pool is at least as large as the key set.
 */
public final class EnvelopePool {
    private static final int IN_FLIGHT = 64;

    private final List<ByteString> envelopes;

    public EnvelopePool(List<ByteString> envelopes) {
        if (envelopes.isEmpty()) {
            throw new IllegalArgumentException("empty envelope pool");
        }
        this.envelopes = List.copyOf(envelopes);
    }

    /**
     * Wraps {@code count} envelopes through the API, {@value #IN_FLIGHT} calls at a time.
     *
     * @throws IllegalStateException with the first failure's reason if any wrap fails
     */
    public static EnvelopePool make(ChannelPool channels, Workload workload, int count, long timeoutMillis)
            throws InterruptedException {
        AtomicReferenceArray<ByteString> made = new AtomicReferenceArray<>(count);
        AtomicReference<String> failure = new AtomicReference<>();
        Semaphore slots = new Semaphore(IN_FLIGHT);
        for (int i = 0; i < count && failure.get() == null; i++) {
            slots.acquire();
            int index = i;
            WrapRequest request = WrapRequest.newBuilder().setKeyId(workload.key(i)).setPlaintext(workload.payload())
                    .putAllEncryptionContext(workload.context()).build();
            CryptoServiceGrpc.newStub(channels.next()).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                    .wrap(request, new StreamObserver<>() {
                        @Override
                        public void onNext(WrapResponse response) {
                            made.set(index, response.getEnvelope());
                        }

                        @Override
                        public void onError(Throwable t) {
                            failure.compareAndSet(null, "wrap under " + request.getKeyId() + " failed: "
                                    + ErrorReasons.of(t) + " (" + t.getMessage() + ")");
                            slots.release();
                        }

                        @Override
                        public void onCompleted() {
                            slots.release();
                        }
                    });
        }
        if (!slots.tryAcquire(IN_FLIGHT, timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("wrapping the envelope pool timed out");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("cannot prepare envelopes for unwrap/rewrap: " + failure.get());
        }
        ByteString[] all = new ByteString[count];
        for (int i = 0; i < count; i++) {
            all[i] = made.get(i);
        }
        return new EnvelopePool(List.of(all));
    }

    public ByteString pick(RandomGenerator random) {
        return envelopes.get(random.nextInt(envelopes.size()));
    }

    public int size() {
        return envelopes.size();
    }
}
