package coffre.kms.client;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * The one way Coffre's Java callers build a channel to a cluster, so that the CLI, the load tool
 * and {@link CoffreClient} cannot drift apart: the target resolves to every node
 * ({@link EndpointsNameResolverProvider}), calls spread {@code round_robin} over the nodes that are
 * up, and the calls that are safe to repeat are retried on {@code UNAVAILABLE} or {@code CANCELLED}
 * (a node cut the call; {@link ClientServiceConfig}).
 *
 * <p>Security is left to the caller: {@link TlsChannelFactory} adds mutual TLS, tests use
 * plaintext. Anything else a caller needs (an executor, an authority) it sets on the builder too.
 */
public final class ClusterChannels {

    private ClusterChannels() {
    }

    /** A channel builder for every node of {@code endpoints}, with Coffre's service config and retries on. */
    public static NettyChannelBuilder builder(Endpoints endpoints) {
        return NettyChannelBuilder
                .forTarget(EndpointsNameResolverProvider.target(endpoints))
                .defaultServiceConfig(ClientServiceConfig.map())
                .enableRetry();
    }
}
