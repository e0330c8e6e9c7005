package coffre.kms.server.testing;

import coffre.kms.v1.CryptoServiceGrpc.CryptoServiceBlockingStub;
import coffre.kms.v1.KeyServiceGrpc.KeyServiceBlockingStub;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.WrapRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the cluster tests (ClusterIT with in-JVM nodes, ProcessClusterIT with server processes) do
 * on one node through its stubs, and how they wait for a change to reach the others.
 */
public final class ClusterCalls {
    private ClusterCalls() {
    }

    public static byte[] wrap(CryptoServiceBlockingStub crypto, String keyId, byte[] plaintext) {
        return crypto.withDeadlineAfter(10, TimeUnit.SECONDS).wrap(WrapRequest.newBuilder()
                .setKeyId(keyId).setPlaintext(ByteString.copyFrom(plaintext)).build()).getEnvelope().toByteArray();
    }

    public static byte[] unwrap(CryptoServiceBlockingStub crypto, byte[] envelope) {
        return crypto.withDeadlineAfter(10, TimeUnit.SECONDS).unwrap(UnwrapRequest.newBuilder()
                .setEnvelope(ByteString.copyFrom(envelope)).build()).getPlaintext().toByteArray();
    }

    /** The error a wrap gets now, or null if it succeeds. */
    public static Errors.Seen wrapRefusal(CryptoServiceBlockingStub crypto, String keyId, byte[] plaintext) {
        try {
            wrap(crypto, keyId, plaintext);
            return null;
        } catch (StatusRuntimeException e) {
            return Errors.of(e);
        }
    }

    /** Whether a wrap is refused now with {@code reason}. */
    public static boolean refusedWith(CryptoServiceBlockingStub crypto, String keyId, byte[] plaintext, String reason) {
        Errors.Seen seen = wrapRefusal(crypto, keyId, plaintext);
        return seen != null && seen.reason().equals(reason);
    }

    /** Whether the node's registry holds the key: listed without asking the store (GetKey would catch up). */
    public static boolean knows(KeyServiceBlockingStub keys, String keyId) {
        return keys.listKeys(ListKeysRequest.newBuilder().setPageSize(1000).build()).getKeysList().stream()
                .anyMatch(k -> k.getId().equals(keyId));
    }

    /** How many keys the node lists (up to 1,000). */
    public static int keyCount(KeyServiceBlockingStub keys) {
        return keys.listKeys(ListKeysRequest.newBuilder().setPageSize(1000).build()).getKeysCount();
    }

    /**
     * Polls every 2 ms until {@code condition} holds; returns how long that took.
     *
     * @throws AssertionError if it does not hold within {@code bound}
     */
    public static Duration await(String what, Duration bound, BooleanSupplier condition) {
        long start = System.nanoTime();
        long deadline = start + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + bound.toMillis() + " ms");
            }
            sleep(2);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    public static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
