package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.cluster.ChangeFeed;
import coffre.kms.server.domain.StoreException;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterMeters}: each propagation the feed reports lands in the histogram, and the member
 * count is the store's last answer, absent (NaN) while the store cannot answer. The real feed's
 * announced times are tested on PostgreSQL by {@code PropagationLagIT}.
 */
class ClusterMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Consumer<Duration> propagation;
    private final ChangeFeed feed = new ChangeFeed() {
        @Override
        public void subscribe(Subscriber subscriber) {
        }

        @Override
        public void start() {
        }

        @Override
        public void watchPropagation(Consumer<Duration> listener) {
            propagation = listener;
        }

        @Override
        public boolean listening() {
            return true;
        }

        @Override
        public void close() {
        }
    };

    @Test
    void propagationsAreRecordedAndMembersFollowTheStore() {
        AtomicInteger members = new AtomicInteger(3);
        AtomicInteger failing = new AtomicInteger();
        try (Polled polled = new Polled(Duration.ofHours(1))) {
            ClusterMeters.bind(registry, feed, () -> {
                if (failing.get() > 0) {
                    throw new StoreException("database unreachable", null);
                }
                return members.get();
            }, polled);
            polled.refreshNow();
            assertEquals(3, registry.get("coffre.cluster.members").gauge().value());
            members.set(2);
            assertEquals(3, registry.get("coffre.cluster.members").gauge().value(), "read at the next poll only");
            polled.refreshNow();
            assertEquals(2, registry.get("coffre.cluster.members").gauge().value());
            failing.set(1);
            polled.refreshNow();
            assertTrue(Double.isNaN(registry.get("coffre.cluster.members").gauge().value()), "unknown while failing");

            propagation.accept(Duration.ofMillis(40));
            propagation.accept(Duration.ofMillis(700));
            Timer lag = registry.get("coffre.cluster.propagation.lag").timer();
            assertEquals(2, lag.count());
            assertEquals(740, lag.totalTime(TimeUnit.MILLISECONDS), 0.001);
        }
    }
}
