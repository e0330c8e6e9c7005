package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit queries over many batch rows give exactly what filtering and sorting every event would:
 * two chains written in batches of random sizes, with event times that are not in chain order (a
 * slow call's event is chained after faster later ones), against a reference computed in memory.
 */
class JdbcAuditStoreQueryTest {
    private static final Instant START = Instant.parse("2026-11-28T10:00:00Z");
    private static final Comparator<ChainedEvent> ORDER = Comparator.<ChainedEvent>comparingLong(e -> micros(e))
            .thenComparing(ChainedEvent::node).thenComparingLong(ChainedEvent::sequence);

    @TempDir
    Path dir;
    private Storage storage;
    private JdbcAuditStore store;
    private final List<ChainedEvent> all = new ArrayList<>();
    private final Random random = new Random(20261129);

    private static long micros(ChainedEvent e) {
        return ChainHash.micros(e.event().time());
    }

    @BeforeEach
    void writeTwoChainsInRandomBatches() {
        storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        store = new JdbcAuditStore(storage.dataSource(), dir.resolve("db.audit-journal"));
        for (String node : List.of("n1", "n2")) {
            String previous = ChainHash.GENESIS;
            long seq = 0;
            while (seq < 1_500) {
                List<ChainedEvent> batch = new ArrayList<>();
                for (int i = random.nextInt(60) + 1; i > 0; i--) {
                    seq++;
                    // Times mostly rise with the sequence, up to 40 ms early.
                    Instant time = START.plusMillis(seq * 10 - random.nextInt(40)).plusNanos(random.nextInt(1000) * 1000L);
                    AuditEvent e = new AuditEvent(time, seq % 3 == 0 ? AuditEventType.UNWRAP : AuditEventType.WRAP,
                            "spiffe://t/p" + random.nextInt(4), "key-" + random.nextInt(7), 1, AuditDecision.ALLOWED, null,
                            "r" + seq, "", "", "", seq);
                    ChainedEvent c = ChainHash.chain(previous, node, seq, e);
                    previous = c.hash();
                    batch.add(c);
                }
                store.append(batch);
                all.addAll(batch);
                if (random.nextInt(3) == 0) {
                    store.chain(node, seq, 1); // a read writes what is pending: more, smaller rows
                }
            }
        }
    }

    @AfterEach
    void close() {
        store.close();
        storage.close();
    }

    private List<ChainedEvent> reference(AuditQuery q) {
        Predicate<ChainedEvent> match = e -> q.from().map(f -> !e.event().time().isBefore(f)).orElse(true)
                && q.until().map(u -> e.event().time().isBefore(u)).orElse(true)
                && q.principal().map(p -> p.equals(e.event().principal())).orElse(true)
                && q.keyId().map(k -> k.equals(e.event().keyId())).orElse(true)
                && q.type().map(t -> t == e.event().type()).orElse(true)
                && q.node().map(n -> n.equals(e.node())).orElse(true);
        Comparator<ChainedEvent> order = q.newestFirst() ? ORDER.reversed() : ORDER;
        return all.stream().filter(match).filter(e -> q.after().map(p -> {
            ChainedEvent at = all.stream().filter(x -> x.node().equals(p.node()) && x.sequence() == p.sequence())
                    .findFirst().orElseThrow();
            return order.compare(e, at) > 0;
        }).orElse(true)).sorted(order).limit(q.limit()).toList();
    }

    private Optional<Instant> someTime() {
        return random.nextBoolean() ? Optional.empty() : Optional.of(START.plusMillis(random.nextInt(16_000)));
    }

    @Test
    void randomQueriesGiveWhatFilteringEveryEventGives() {
        for (int i = 0; i < 300; i++) {
            Optional<Instant> from = someTime();
            Optional<Instant> until = someTime();
            Optional<ChainedEvent> after = random.nextInt(3) == 0 ? Optional.of(all.get(random.nextInt(all.size())))
                    : Optional.empty();
            AuditQuery q = new AuditQuery(from, until,
                    random.nextInt(3) == 0 ? Optional.of("spiffe://t/p" + random.nextInt(4)) : Optional.empty(),
                    random.nextInt(3) == 0 ? Optional.of("key-" + random.nextInt(7)) : Optional.empty(),
                    random.nextInt(4) == 0 ? Optional.of(AuditEventType.UNWRAP) : Optional.empty(),
                    random.nextInt(3) == 0 ? Optional.of(random.nextBoolean() ? "n1" : "n2") : Optional.empty(),
                    after.map(e -> new AuditQuery.Position(micros(e), e.node(), e.sequence())), random.nextBoolean(),
                    random.nextInt(3) == 0 ? 1 + random.nextInt(5) : 1 + random.nextInt(1000));
            assertEquals(reference(q), store.query(q), q.toString());
        }
    }

    @Test
    void pagingThroughEverythingGivesEachEventOnceInOrder() {
        for (boolean newest : new boolean[] {false, true}) {
            List<ChainedEvent> seen = new ArrayList<>();
            Optional<AuditQuery.Position> after = Optional.empty();
            while (true) {
                List<ChainedEvent> page = store.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.empty(), Optional.empty(), after, newest, 97));
                if (page.isEmpty()) {
                    break;
                }
                seen.addAll(page);
                ChainedEvent last = page.get(page.size() - 1);
                after = Optional.of(new AuditQuery.Position(micros(last), last.node(), last.sequence()));
            }
            assertEquals(all.stream().sorted(newest ? ORDER.reversed() : ORDER).toList(), seen);
        }
    }

    @Test
    void chainsReadBackInPagesAcrossRows() {
        for (String node : List.of("n1", "n2")) {
            List<ChainedEvent> expected = all.stream().filter(e -> e.node().equals(node)).toList();
            List<ChainedEvent> read = new ArrayList<>();
            long after = 0;
            while (true) {
                List<ChainedEvent> page = store.chain(node, after, 333);
                if (page.isEmpty()) {
                    break;
                }
                read.addAll(page);
                after = page.get(page.size() - 1).sequence();
            }
            assertEquals(expected, read);
            assertEquals(expected.get(expected.size() - 1), store.lastEvent(node).orElseThrow());
        }
    }
}
