package coffre.kms.server.telemetry;

import coffre.kms.server.cluster.ChangeFeed;
import coffre.kms.server.cluster.ClusterMembers;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The cluster's meters: {@code coffre_cluster_propagation_lag_seconds}, a histogram of how long a
 * change committed on a node (this one included) took to be applied here (from the writer's
 * announced time to the end of the reload, see {@link ChangeFeed#watchPropagation}; it includes
 * any clock difference between the nodes), and {@code coffre_cluster_members}, the live members
 * seen, counted by the store now and then ({@link Polled}: it is a database query).
 */
public final class ClusterMeters {
    /** From a LISTEN round trip on one host to a revocation that took seconds to reach a node. */
    private static final Duration[] LAG_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private ClusterMeters() {
    }

    /** Binds the lag histogram to {@code feed} and the member gauge to {@code members}, read by {@code polled}. */
    static void bind(MeterRegistry registry, ChangeFeed feed, ClusterMembers members, Polled polled) {
        Timer lag = Timer.builder("coffre.cluster.propagation.lag")
                .description("from a change's commit on its node to its application on this node")
                .serviceLevelObjectives(LAG_BUCKETS).register(registry);
        feed.watchPropagation(lag::record);
        DoubleSupplier live = polled.poll("the cluster's live members", members::liveNodes);
        Gauge.builder("coffre.cluster.members", live, DoubleSupplier::getAsDouble)
                .description("live members of this node's cluster (1 for a single node)")
                .strongReference(true).register(registry);
    }
}
