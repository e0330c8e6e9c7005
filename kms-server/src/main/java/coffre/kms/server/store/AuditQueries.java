package coffre.kms.server.store;

import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditQuery;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.audit.XksCallRecord;
import coffre.kms.v1.audit.AuditChainEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Audit queries over the batch rows, each page a walk along one index from the page's position:
 * the batch rows by time ({@code kms_audit_batch_by_time}) without a filter, else the rows of the
 * rarest filter term ({@link AuditTermIndex}), the other terms checked on that index too. Rows are
 * visited in the order of their earliest event (min_micros, node_id, first_seq), ascending, or
 * descending when newest first, and only their keys are read until a row's events are needed.
 *
 * <p>Every statement's range starts at an index bound, so a page costs the rows it returns plus
 * at most {@link AuditBatch#MAX_SPAN_MICROS} of rows before its position (rows holding events at
 * or after T start no earlier than that) and the rows it skips because they hold no match — never
 * the log before it. The visit stops at the first row that cannot hold a better event: a row
 * starting after the worst kept event (oldest first), or ending before it (newest first: a row
 * ends at most the span after it starts).
 */
final class AuditQueries {
    /** Row keys read per statement. */
    static final int KEYS_PER_READ = 16;
    /** Index entries counted per term to choose the rarest (a bounded probe, not a count of the log). */
    static final int TERM_PROBE = 1_000;

    private final AuditStatements statements;

    AuditQueries(AuditStatements statements) {
        this.statements = statements;
    }

    /** Where the visit is: the key of the last row visited. */
    record RowKey(long minMicros, long maxMicros, String node, long firstSequence) {
    }

    /** The filter terms of a query, in their indexed form. */
    static List<AuditBatch.Term> terms(AuditQuery q) {
        List<AuditBatch.Term> terms = new ArrayList<>();
        q.type().ifPresent(t -> terms.add(new AuditBatch.Term(AuditBatch.Term.TYPE, t.name())));
        q.keyId().ifPresent(k -> terms.add(new AuditBatch.Term(AuditBatch.Term.KEY, AuditTermIndex.value(k))));
        q.principal().ifPresent(p -> terms.add(new AuditBatch.Term(AuditBatch.Term.PRINCIPAL, AuditTermIndex.value(p))));
        q.node().ifPresent(n -> terms.add(new AuditBatch.Term(AuditBatch.Term.NODE, AuditTermIndex.value(n))));
        q.awsPrincipal().ifPresent(p -> terms.add(new AuditBatch.Term(AuditBatch.Term.AWS_PRINCIPAL,
                AuditTermIndex.value(XksCallRecord.valueForm(p)))));
        q.xksKeyStore().ifPresent(s -> terms.add(new AuditBatch.Term(AuditBatch.Term.XKS_KEY_STORE,
                AuditTermIndex.value(s))));
        return terms;
    }

    List<ChainedEvent> query(Connection connection, AuditQuery query) throws SQLException {
        boolean newest = query.newestFirst();
        long from = query.from().map(ChainHash::micros).orElse(Long.MIN_VALUE);
        long until = query.until().map(ChainHash::micros).orElse(Long.MAX_VALUE);
        // Events beyond the position are at or past its time (at or before it, newest first).
        long low = newest ? from : Math.max(from, query.after().map(AuditQuery.Position::timeMicros).orElse(Long.MIN_VALUE));
        long high = newest && query.after().isPresent()
                ? Math.min(until, saturatedAdd(query.after().get().timeMicros(), 1)) : until;
        if (low >= high) {
            return List.of();
        }
        List<AuditBatch.Term> terms = terms(query);
        AuditBatch.Term driver = terms.isEmpty() ? null : rarest(connection, terms, low, high);
        List<AuditBatch.Term> others = terms.stream().filter(t -> !t.equals(driver)).toList();
        Comparator<Hit> order = newest ? Hit.ORDER.reversed() : Hit.ORDER;
        PriorityQueue<Hit> kept = new PriorityQueue<>(order.reversed()); // the worst kept first
        RowKey cursor = null;
        while (true) {
            KeyPage page = keyPage(driver, others, low, high, cursor, newest);
            List<RowKey> keys = statements.keys(connection, page.sql(), page.args());
            for (RowKey key : keys) {
                if (kept.size() == query.limit() && (newest
                        ? saturatedAdd(key.minMicros(), AuditBatch.MAX_SPAN_MICROS) < kept.peek().micros()
                        : key.minMicros() > kept.peek().micros())) {
                    return sorted(kept, order);
                }
                byte[] records = statements.records(connection, key.node(), key.firstSequence());
                if (records != null) {
                    for (AuditRecords.Stored s : AuditRecords.read(records)) {
                        Hit hit = s.fields() == null ? null : Hit.of(s);
                        if (hit != null && matches(query, hit, from, until)) {
                            kept.add(hit);
                            if (kept.size() > query.limit()) {
                                kept.poll();
                            }
                        }
                    }
                }
                cursor = key;
            }
            if (keys.size() < KEYS_PER_READ) {
                return sorted(kept, order);
            }
        }
    }

    /** A statement and its arguments. */
    record KeyPage(String sql, List<Object> args) {
    }

    /**
     * The next keys of the visit: an index range from the cursor (or from the query's time bound,
     * less a row's span, when oldest first; up to its upper bound when newest first), in the
     * index's own order — ORDER BY names every column of the index so that H2 reads it in order
     * (in either direction) rather than sorting.
     */
    static KeyPage keyPage(AuditBatch.Term driver, List<AuditBatch.Term> others, long low, long high, RowKey cursor,
                           boolean newest) {
        String table = driver == null ? "kms_audit_batch" : "kms_audit_term";
        StringBuilder sql = new StringBuilder("SELECT t.min_micros, t.max_micros, t.node_id, t.first_seq FROM ")
                .append(table).append(" t WHERE ");
        List<Object> args = new ArrayList<>();
        if (driver != null) {
            sql.append("t.kind = ? AND t.term = ? AND ");
            args.add(String.valueOf(driver.kind()));
            args.add(driver.value());
        }
        long lowest = saturatedAdd(low, -AuditBatch.MAX_SPAN_MICROS);
        long highest = high - 1;
        if (cursor != null) {
            if (newest) {
                highest = cursor.minMicros();
            } else {
                lowest = cursor.minMicros();
            }
        }
        sql.append("t.min_micros >= ? AND t.min_micros <= ? AND t.max_micros >= ?");
        args.add(lowest);
        args.add(highest);
        args.add(low);
        if (cursor != null) {
            String beyond = newest ? "<" : ">";
            sql.append(" AND (t.min_micros ").append(beyond).append(" ? OR t.node_id ").append(beyond)
                    .append(" ? OR (t.node_id = ? AND t.first_seq ").append(beyond).append(" ?))");
            args.add(cursor.minMicros());
            args.add(cursor.node());
            args.add(cursor.node());
            args.add(cursor.firstSequence());
        }
        for (AuditBatch.Term other : others) {
            // One primary-key probe per row visited. Not EXISTS: PostgreSQL turns that into a join
            // that reads every index entry of the other term (the whole log for a common key);
            // a scalar subquery with LIMIT stays a per-row probe on both databases.
            sql.append(" AND (SELECT 1 FROM kms_audit_term u WHERE u.kind = ? AND u.term = ? AND u.min_micros = "
                    + "t.min_micros AND u.node_id = t.node_id AND u.first_seq = t.first_seq LIMIT 1) IS NOT NULL");
            args.add(String.valueOf(other.kind()));
            args.add(other.value());
        }
        String direction = newest ? " DESC" : "";
        sql.append(" ORDER BY ");
        if (driver != null) {
            sql.append("t.kind").append(direction).append(", t.term").append(direction).append(", ");
        }
        sql.append("t.min_micros").append(direction).append(", t.node_id").append(direction).append(", t.first_seq")
                .append(direction).append(" LIMIT ").append(KEYS_PER_READ);
        return new KeyPage(sql.toString(), args);
    }

    /** The statement counting up to {@value #TERM_PROBE} index entries of one term in a time range. */
    static KeyPage probe(AuditBatch.Term term, long low, long high) {
        return new KeyPage("SELECT COUNT(*) FROM (SELECT t.min_micros FROM kms_audit_term t WHERE t.kind = ? AND "
                + "t.term = ? AND t.min_micros >= ? AND t.min_micros <= ? ORDER BY t.kind, t.term, t.min_micros LIMIT "
                + TERM_PROBE + ") c", List.of(String.valueOf(term.kind()), term.value(),
                saturatedAdd(low, -AuditBatch.MAX_SPAN_MICROS), high - 1));
    }

    /** The term with the fewest rows in the range (up to the probe's bound), the first given on a tie. */
    private AuditBatch.Term rarest(Connection connection, List<AuditBatch.Term> terms, long low, long high)
            throws SQLException {
        if (terms.size() == 1) {
            return terms.get(0);
        }
        AuditBatch.Term best = null;
        long fewest = Long.MAX_VALUE;
        for (AuditBatch.Term term : terms) {
            KeyPage probe = probe(term, low, high);
            long count = statements.count(connection, probe.sql(), probe.args());
            if (count < fewest) {
                fewest = count;
                best = term;
            }
        }
        return best;
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        // Overflow only when both have the same sign and the result's differs.
        if (((a ^ r) & (b ^ r)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    private static boolean matches(AuditQuery q, Hit hit, long from, long until) {
        AuditChainEncoding.Fields f = hit.stored().fields();
        if (f.timeMicros() < from || f.timeMicros() >= until
                || q.principal().isPresent() && !q.principal().get().equals(f.principal())
                || q.keyId().isPresent() && !q.keyId().get().equals(f.keyId())
                || q.type().isPresent() && !q.type().get().name().equals(f.type())
                || q.node().isPresent() && !q.node().get().equals(f.node())
                || !matchesXks(q, f)) {
            return false;
        }
        if (q.after().isEmpty()) {
            return true;
        }
        AuditQuery.Position p = q.after().get();
        int c = Hit.ORDER.compare(hit, new Hit(p.timeMicros(), p.node(), p.sequence(), null));
        return q.newestFirst() ? c < 0 : c > 0;
    }

    private static boolean matchesXks(AuditQuery q, AuditChainEncoding.Fields f) {
        AuditEventType type;
        try {
            type = AuditEventType.valueOf(f.type());
        } catch (IllegalArgumentException e) {
            type = AuditEventType.NODE_STARTED; // a type this build does not know is no XKS call
        }
        return q.matchesXks(type, f.principal(), f.requestId(), f.target(), f.detail());
    }

    private static List<ChainedEvent> sorted(PriorityQueue<Hit> kept, Comparator<Hit> order) {
        return kept.stream().sorted(order)
                .map(h -> AuditRecords.chained(h.stored(), h.node(), h.sequence()))
                .toList();
    }

    /** A decoded event with the query order's key: (time, node, sequence). */
    private record Hit(long micros, String node, long sequence, AuditRecords.Stored stored) {
        static final Comparator<Hit> ORDER = Comparator.comparingLong(Hit::micros)
                .thenComparing(Hit::node).thenComparingLong(Hit::sequence);

        static Hit of(AuditRecords.Stored s) {
            return new Hit(s.fields().timeMicros(), s.fields().node(), s.fields().sequence(), s);
        }
    }
}
