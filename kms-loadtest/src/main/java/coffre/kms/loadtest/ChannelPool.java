package coffre.kms.loadtest;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * The channels a run spreads its calls over, round-robin: {@code channelsPerEndpoint} mTLS
 * channels (HTTP/2 connections) to each endpoint.
 *
 * <p>Channels use grpc-java's direct executor: the load generator's callbacks only record a
 * latency and start the next call, so handing them to another thread would only cost throughput
 * (see DESIGN.md, "Measured facts"). The server is trusted only through the given CA, as in the CLI.
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

    /** Opens mTLS channels to every endpoint (connections are made lazily by gRPC). */
    public static ChannelPool tls(List<Endpoint> endpoints, int channelsPerEndpoint, Path caCert, Path cert, Path key,
                                  String authority) throws SSLException {
        SslContext tls = GrpcSslContexts.forClient()
                .trustManager(caCert.toFile())
                .keyManager(cert.toFile(), key.toFile())
                .build();
        List<ManagedChannel> channels = new ArrayList<>();
        for (Endpoint endpoint : endpoints) {
            for (int i = 0; i < channelsPerEndpoint; i++) {
                NettyChannelBuilder builder = NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port())
                        .sslContext(tls)
                        .directExecutor();
                if (authority != null) {
                    builder.overrideAuthority(authority);
                }
                channels.add(builder.build());
            }
        }
        return new ChannelPool(channels);
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
