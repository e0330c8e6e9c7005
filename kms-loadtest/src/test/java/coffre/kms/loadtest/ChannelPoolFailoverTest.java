package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.client.Endpoint;
import coffre.kms.client.Endpoints;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Channels over several endpoints (plaintext Netty servers on loopback ports here; the TLS part
 * is the CLI's MutualTlsTest and FailoverTest): a node that is down or killed mid-run, a call cut
 * by a node going away (CANCELLED: the node reset the stream), and a node answering UNAVAILABLE,
 * cost no call.
 */
class ChannelPoolFailoverTest {
    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(Server::shutdownNow);
    }

    /**
     * A fake node whose first {@code failures} wraps answer UNAVAILABLE, as a node with its HSM away
     * does. Once {@link #hold} is set it answers nothing and only counts the wraps it holds, as a
     * node still busy with them when it is killed.
     */
    private static final class Node extends CryptoServiceGrpc.CryptoServiceImplBase {
        final AtomicInteger wraps = new AtomicInteger();
        final Semaphore held = new Semaphore(0);
        volatile boolean hold;
        private final AtomicInteger failures;

        Node(int failures) {
            this.failures = new AtomicInteger(failures);
        }

        @Override
        public void wrap(WrapRequest request, StreamObserver<WrapResponse> response) {
            if (hold) {
                held.release();
                return;
            }
            if (failures.getAndDecrement() > 0) {
                response.onError(Status.UNAVAILABLE.withDescription("HSM away").asRuntimeException());
                return;
            }
            wraps.incrementAndGet();
            response.onNext(WrapResponse.newBuilder().setKeyId(request.getKeyId()).build());
            response.onCompleted();
        }
    }

    private Server start(Node node) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .addService(node).build().start();
        servers.add(server);
        return server;
    }

    private static int deadPort() throws IOException, InterruptedException {
        Server gone = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).build().start();
        int port = gone.getPort();
        gone.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        return port;
    }

    private static ChannelPool pool(int... ports) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int port : ports) {
            endpoints.add(new Endpoint("127.0.0.1", port));
        }
        return ChannelPool.open(new Endpoints(endpoints), 2, NettyChannelBuilder::usePlaintext);
    }

    private static final WrapRequest WRAP = WrapRequest.newBuilder().setKeyId("key-a")
            .setPlaintext(ByteString.copyFromUtf8("x")).build();

    /** {@code times} wraps, one after the other, each waited for; a failed call throws. */
    private static void wrap(ChannelPool channels, int times) {
        for (int i = 0; i < times; i++) {
            CryptoServiceGrpc.newBlockingStub(channels.next()).withDeadlineAfter(10, TimeUnit.SECONDS).wrap(WRAP);
        }
    }

    @Test
    void everyCallSucceedsWhileOneOfTwoNodesIsDown() throws Exception {
        Node up = new Node(0);
        int upPort = start(up).getPort();

        try (ChannelPool channels = pool(deadPort(), upPort)) {
            wrap(channels, 50);
        }
        assertEquals(50, up.wraps.get());
    }

    @Test
    void callsGoOnWhenANodeIsKilledMidRun() throws Exception {
        Node first = new Node(0);
        Node second = new Node(0);
        Server firstServer = start(first);
        Server secondServer = start(second);

        try (ChannelPool channels = pool(firstServer.getPort(), secondServer.getPort())) {
            wrap(channels, 100);
            assertTrue(first.wraps.get() > 0 && second.wraps.get() > 0, "round robin over both nodes");
            int served = first.wraps.get() + second.wraps.get();
            secondServer.shutdownNow();
            // The kill takes effect on the node's event loop, not at once: meanwhile a call may still
            // be served there, or cut there (CANCELLED) after the wrap was done and then done again on
            // the first node. What must hold is that no call fails (wrap throws) and each was served.
            wrap(channels, 100);
            assertTrue(first.wraps.get() + second.wraps.get() >= served + 100, "every call was served by a node");

            assertTrue(secondServer.awaitTermination(10, TimeUnit.SECONDS), "the killed node stopped");
            int gone = second.wraps.get();
            int before = first.wraps.get();
            wrap(channels, 20);
            assertEquals(before + 20, first.wraps.get());
            assertEquals(gone, second.wraps.get());
        }
    }

    /**
     * The path a kill mid-run takes at random: a wrap in flight on a node that goes away is cut
     * with RST_STREAM (grpc-java reports it as CANCELLED, not UNAVAILABLE). A wrap is safe to
     * repeat, so it must go to the other node rather than fail.
     */
    @Test
    void aWrapCutByANodeGoingAwayIsRetriedOnAnother() throws Exception {
        Node survivor = new Node(0);
        Node dying = new Node(0);
        Server survivorServer = start(survivor);
        Server dyingServer = start(dying);

        try (ChannelPool channels = pool(survivorServer.getPort(), dyingServer.getPort())) {
            wrap(channels, 100);
            assertTrue(dying.wraps.get() > 0, "round robin reaches the node to kill");
            dying.hold = true;
            int before = survivor.wraps.get();
            List<ListenableFuture<WrapResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(CryptoServiceGrpc.newFutureStub(channels.next()).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .wrap(WRAP));
            }
            assertTrue(dying.held.tryAcquire(10, TimeUnit.SECONDS), "a wrap is in flight on the node to kill");
            dyingServer.shutdownNow();

            for (ListenableFuture<WrapResponse> call : calls) {
                assertEquals("key-a", call.get(10, TimeUnit.SECONDS).getKeyId());
            }
            assertEquals(before + 8, survivor.wraps.get());
        }
    }

    @Test
    void anUnavailableAnswerIsRetried() throws Exception {
        Node flaky = new Node(2);
        int port = start(flaky).getPort();

        try (ChannelPool channels = pool(port)) {
            wrap(channels, 1);
        }
        assertEquals(1, flaky.wraps.get());
    }

    @Test
    void theWholeRunHasNoErrorWithANodeDown() throws Exception {
        Node up = new Node(0);
        int upPort = start(up).getPort();
        LoadTest command = new LoadTest();
        new CommandLine(command).parseArgs("--ca-cert", "unused", "--cert", "unused", "--key", "unused",
                "--key-id", "key-a", "-c", "8", "--calls", "500", "--warmup", "0s", "--progress-interval", "0s", "--json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int exit;
        try (ChannelPool channels = pool(deadPort(), upPort)) {
            exit = command.withOutput(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(
                    new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run(channels, "two nodes, one down");
        }

        String json = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, json);
        assertTrue(json.contains("\"successes\":500,"), json);
        assertTrue(json.contains("\"errors\":0,"), json);
    }
}
