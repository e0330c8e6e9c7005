package coffre.kms.loadtest;

import coffre.kms.client.ClientServiceConfig;
import coffre.kms.client.ClusterChannels;
import coffre.kms.client.Endpoints;
import coffre.kms.client.TlsChannelFactory;
import coffre.kms.client.TlsMaterialException;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The channels a run spreads its calls over, round-robin. Each channel reaches every endpoint
 * (one HTTP/2 connection per node, gRPC {@code round_robin} over the nodes that are up), so
 * {@code channelsPerEndpoint} channels make that many connections to each node, and a node that
 * goes away leaves the rotation of every channel while the run goes on with the others.
 *
 * <p>The channels are kms-client's ({@link ClusterChannels}): calls that a node could not serve
 * ({@code UNAVAILABLE}: refused connection, node killed, HSM/store/audit unavailable) or cut while
 * going away ({@code CANCELLED}: the node reset the call's stream) are retried up
 * to {@value ClientServiceConfig#MAX_ATTEMPTS} attempts in all, with backoff, within the call's
 * deadline, as docs/client-settings.md tells services to do; every {@code CryptoService} call is
 * safe to repeat. A retried call counts once, with the latency of all its attempts.
 *
 * <p>Channels use grpc-java's direct executor: the load generator's callbacks only record a
 * latency and start the next call, so handing them to another thread would only cost throughput
 * (see DESIGN.md, "Measured facts"). The server is trusted only through the given CA, with the
 * CLI's mTLS set-up ({@link TlsChannelFactory#sslContext}).
 */
public final class ChannelPool implements AutoCloseable {

    private final List<ManagedChannel> channels;
    private final AtomicLong next = new AtomicLong();

    public ChannelPool(List<ManagedChannel> channels) {
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("no channel");
        }
        this.channels = List.copyOf(channels);
    }

    /** Opens mTLS channels over every endpoint (connections are made lazily by gRPC). */
    public static ChannelPool tls(Endpoints endpoints, int channelsPerEndpoint, Path caCert, Path cert, Path key,
                                  String authority) throws TlsMaterialException {
        SslContext tls = TlsChannelFactory.sslContext(caCert, cert, key);
        return open(endpoints, channelsPerEndpoint, builder -> {
            builder.sslContext(tls);
            if (authority != null) {
                builder.overrideAuthority(authority);
            }
            return builder;
        });
    }

    /** Opens {@code channels} channels over every endpoint; {@code transport} sets their security. */
    static ChannelPool open(Endpoints endpoints, int channels, UnaryOperator<NettyChannelBuilder> transport) {
        List<ManagedChannel> opened = new ArrayList<>();
        for (int i = 0; i < channels; i++) {
            opened.add(transport.apply(ClusterChannels.builder(endpoints)).directExecutor().build());
        }
        return new ChannelPool(opened);
    }

    /** The next channel, round-robin. */
    public ManagedChannel next() {
        return channels.get((int) Math.floorMod(next.getAndIncrement(), (long) channels.size()));
    }

    public int size() {
        return channels.size();
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdown);
        for (ManagedChannel channel : channels) {
            try {
                if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
