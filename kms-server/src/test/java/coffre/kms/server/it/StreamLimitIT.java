package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.WatchApprovalRequestsRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server.maxConcurrentStreams}: a connection holding that many open calls gets no more
 * (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS, honoured by the client, which holds the call back),
 * while other connections are not affected.
 */
class StreamLimitIT {
    @TempDir
    Path dir;

    @Test
    void aConnectionAtItsStreamLimitWaitsForAFreeStreamAndOthersDoNot() throws Exception {
        try (TestServer node = TestServer.startWithStreamLimit(dir, 2)) {
            // One pending request, so that each watch proves it is open by receiving it.
            node.adminKeys().createKey(CreateKeyRequest.getDefaultInstance());
            ManagedChannel connection = node.adminChannel();
            CountDownLatch open = new CountDownLatch(2);
            List<Context.CancellableContext> watches = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Context.CancellableContext watch = Context.current().withCancellation();
                watches.add(watch);
                watch.run(() -> ApprovalServiceGrpc.newStub(connection).watch(
                        WatchApprovalRequestsRequest.getDefaultInstance(), new StreamObserver<ApprovalRequest>() {
                            @Override
                            public void onNext(ApprovalRequest value) {
                                open.countDown();
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                            }
                        }));
            }
            assertTrue(open.await(10, TimeUnit.SECONDS), "both watches are open");

            StatusRuntimeException waited = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                    () -> KeyServiceGrpc.newBlockingStub(connection).withDeadlineAfter(1500, TimeUnit.MILLISECONDS)
                            .listKeys(ListKeysRequest.getDefaultInstance()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, waited.getStatus().getCode(),
                    "a third call on the full connection waits for a stream");
            // Another connection of the same principal is served at once.
            KeyServiceGrpc.newBlockingStub(node.adminChannel()).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .listKeys(ListKeysRequest.getDefaultInstance());

            watches.forEach(watch -> watch.cancel(null));
        }
    }
}
