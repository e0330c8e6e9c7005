package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditMacKey;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.AuditVerifier;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainReport;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.CallBounds;
import coffre.kms.server.testing.PostgresTestDatabase;
import coffre.kms.server.testing.SoftwareHsm;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's cluster case at its size: three nodes' chains of {@value #PER_NODE} events each on
 * PostgreSQL, in rows of {@value #PER_ROW} events as group commits write them there. A filtered
 * query of a rare type of one key ({@code audit query --type DISABLE_KEY --key K --limit 0}), paged
 * in pages of 7 and each page bounded by a 10 s deadline, and the verification of a chain bounded
 * by 60 s, finish: before, every page re-read the log from its start and the query never did.
 */
class AuditAtVolumePostgresIT {
    private static final long PER_NODE = 300_000;
    private static final int PER_ROW = 32;
    private static final List<String> NODES = List.of("n1", "n2", "n3");
    private static PostgresTestDatabase db;
    private String schema;
    private Storage storage;

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.require();
    }

    @AfterEach
    void drop() {
        if (storage != null) {
            storage.close();
        }
        db.dropSchema(schema);
    }

    @Test
    void aFilteredQueryAndVerifyFinishWithinTheirDeadlinesOnANineHundredThousandEventCluster() throws Exception {
        schema = db.newSchema("auditvolume");
        storage = StoreFactory.open(db.settings(schema));
        long began = System.nanoTime();
        List<Long> firsts = new ArrayList<>();
        try (Connection c = storage.dataSource().getConnection()) {
            for (String node : NODES) {
                firsts.add(AuditBulkFill.fill(c, node, PER_NODE, Instant.parse("2026-12-01T00:00:00Z"), PER_ROW));
            }
            JdbcAuditStorePlanContract.analyze(c);
        }
        System.out.printf("AuditAtVolumePostgresIT: %,d events in %,d-event rows written in %,d ms%n",
                PER_NODE * NODES.size(), PER_ROW, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        JdbcAuditStore store = new JdbcAuditStore(storage.dataSource());

        began = System.nanoTime();
        List<ChainedEvent> found = new ArrayList<>();
        Optional<AuditQuery.Position> after = Optional.empty();
        int pages = 0;
        while (true) {
            List<ChainedEvent> page = store.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.of(AuditBulkFill.RARE_KEY), Optional.of(AuditEventType.DISABLE_KEY), Optional.empty(), after,
                    false, 7), CallBounds.withTimeout(10_000));
            pages++;
            found.addAll(page);
            if (page.size() < 7) {
                break;
            }
            ChainedEvent last = page.get(page.size() - 1);
            after = Optional.of(new AuditQuery.Position(ChainHash.micros(last.event().time()), last.node(), last.sequence()));
        }
        System.out.printf("AuditAtVolumePostgresIT: %d filtered events in %d pages of 7 in %,d ms%n", found.size(), pages,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        assertEquals(PER_NODE / AuditBulkFill.RARE_EVERY * NODES.size(), found.size());
        assertTrue(found.stream().allMatch(e -> e.event().type() == AuditEventType.DISABLE_KEY
                && e.event().keyId().equals(AuditBulkFill.RARE_KEY)));

        began = System.nanoTime();
        ChainReport report = new AuditVerifier(store, new AuditMacKey(new SoftwareHsm()))
                .verify("n2", CallBounds.withTimeout(60_000));
        System.out.printf("AuditAtVolumePostgresIT: verified %,d events in %,d ms%n", report.eventsChecked(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        assertTrue(report.valid(), report.toString());
        assertEquals(PER_NODE, report.eventsChecked());
    }
}
