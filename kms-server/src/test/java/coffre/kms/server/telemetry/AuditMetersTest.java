package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditCheckpointer;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditLog;
import coffre.kms.server.audit.AuditMacKey;
import coffre.kms.server.store.JdbcAuditStore;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AuditMeters} over a real audit log on the embedded store (without its journal, so that
 * renaming the batch table makes writes fail): batches and write times are recorded as written,
 * failures counted, writability and the checkpoint age follow the log.
 */
class AuditMetersTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Storage storage;
    private AuditLog log;
    private AuditCheckpointer checkpointer;

    @BeforeEach
    void open() {
        storage = StoreFactoryAccess.openH2WithoutAuditJournal(dir.resolve("db"));
        JdbcAuditStore store = new JdbcAuditStore(storage.dataSource());
        log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock);
        checkpointer = new AuditCheckpointer(log, store, new AuditMacKey(new SoftwareHsm()), clock);
        AuditMeters.bind(registry, log, checkpointer, clock);
    }

    @AfterEach
    void close() {
        log.close();
        storage.close();
    }

    private void record(int events) {
        for (int i = 0; i < events; i++) {
            log.record(AuditEvent.system(clock.instant(), AuditEventType.NODE_STARTED, "", "i=" + i));
        }
        log.flush();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = storage.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate(statement);
        }
    }

    @Test
    void eachWrittenBatchIsCountedWithItsEventsAndWriteTime() {
        record(5);
        var batches = registry.get("coffre.audit.batch.events").summary();
        var writes = registry.get("coffre.audit.write.duration").timer();
        assertTrue(batches.count() >= 1 && batches.count() <= 5, "one to five batches: " + batches.count());
        assertEquals(5, batches.totalAmount(), "every event in some batch");
        assertEquals(batches.count(), writes.count(), "one timed write per batch");
        assertTrue(writes.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) > 0);
        assertEquals(0, gauge("coffre.audit.queue.depth"), "nothing left to write");
        assertEquals(1, gauge("coffre.audit.writable"));
        assertEquals(0, registry.get("coffre.audit.write.failures").counter().count());
    }

    @Test
    void aFailedWriteIsCountedAndTheLogShowsUnwritableUntilAWriteWorks() throws Exception {
        record(1);
        sql("ALTER TABLE kms_audit_batch RENAME TO kms_audit_batch_away");
        try {
            CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> log.record(AuditEvent.system(clock.instant(), AuditEventType.NODE_STARTED, "", ""))
                            .toCompletableFuture().join());
            assertTrue(refused.getCause().getMessage().contains("audit log"), refused.getCause().getMessage());
            assertTrue(registry.get("coffre.audit.write.failures").counter().count() >= 1);
            assertEquals(0, gauge("coffre.audit.writable"));
        } finally {
            sql("ALTER TABLE kms_audit_batch_away RENAME TO kms_audit_batch");
        }
        double failures = registry.get("coffre.audit.write.failures").counter().count();
        record(1);
        assertEquals(1, gauge("coffre.audit.writable"), "writable again");
        assertEquals(failures, registry.get("coffre.audit.write.failures").counter().count(), "no new failure");
    }

    @Test
    void theCheckpointAgeGrowsUntilACheckpointAnchorsTheHead() {
        assertEquals(0, gauge("coffre.audit.checkpoint.age.seconds"), "just created");
        clock.advance(Duration.ofSeconds(90));
        assertEquals(90, gauge("coffre.audit.checkpoint.age.seconds"));
        record(2);
        assertTrue(checkpointer.checkpoint().isPresent());
        assertEquals(0, gauge("coffre.audit.checkpoint.age.seconds"), "anchored now");
        clock.advance(Duration.ofSeconds(30));
        assertTrue(checkpointer.checkpoint().isEmpty(), "nothing new to anchor");
        assertEquals(0, gauge("coffre.audit.checkpoint.age.seconds"), "an idle chain stays anchored");
    }
}
