package coffre.kms.server.store;

import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.audit.XksCallRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Consecutive events of one chain as stored in a row of {@code kms_audit_batch}: their sequence
 * and time ranges and their records, and — for the events this node chained — what each event is
 * found by ({@link Term}s), so that the rows built from them can be indexed.
 *
 * <p>A row's events span at most {@value #MAX_SPAN_MICROS} µs of event time ({@link #rows}
 * splits where they would not): queries rely on it to start a time range at an index bound
 * (a row holding events at or after T starts at or after T minus the span).
 *
 * @param micros each event's time, or null for a row read back or moved by a migration
 * @param ends   where each event's record ends in {@code records} (same)
 * @param terms  each event's terms (same)
 */
record AuditBatch(String node, long firstSequence, long lastSequence, long minMicros, long maxMicros, byte[] records,
                  int events, long[] micros, int[] ends, List<List<Term>> terms) {
    /**
     * Most events, and bytes, in one row. A row's records are copied whole (joined here, then by
     * the driver), so a row stays well below half a G1 region of the default heap (1 MiB regions
     * under 256 MiB): larger arrays are allocated straight in the old generation, and each such
     * allocation may start a concurrent cycle with its remark pause (about one every two seconds
     * under load with rows of up to 2 MiB, GC log).
     */
    static final int ROW_EVENTS = 1_000;
    static final int ROW_BYTES = 256 << 10;
    /**
     * Most event time one row spans. A second: group commits and the indexer's 100 ms passes stay
     * well inside it, so rows are split only around an event whose time is far from its
     * neighbours' (a call that waited long, a backlog written late), and a query starting at T
     * reads at most a second of rows before T.
     */
    static final long MAX_SPAN_MICROS = 1_000_000;

    /**
     * What an event can be found by: its type, key id, principal, node (kinds {@code t}, {@code k},
     * {@code p}, {@code n}). The node is a term too: filtering by node on the batch table would
     * walk its primary key (node_id, first_seq), out of time order.
     */
    record Term(char kind, String value) {
        static final char TYPE = 't';
        static final char KEY = 'k';
        static final char PRINCIPAL = 'p';
        static final char NODE = 'n';
        /** The AWS principal of an XKS call ({@link XksCallRecord#awsPrincipalOf}). */
        static final char AWS_PRINCIPAL = 'a';
        /** The key store of an XKS call: its id and its name, each a term. */
        static final char XKS_KEY_STORE = 's';
    }

    /** A row as stored, without per-event detail (migrations). */
    static AuditBatch stored(String node, long firstSequence, long lastSequence, long minMicros, long maxMicros,
                             byte[] records, int events) {
        return new AuditBatch(node, firstSequence, lastSequence, minMicros, maxMicros, records, events, null, null, null);
    }

    static AuditBatch of(List<ChainedEvent> events) {
        return of(events, AuditRecords.encode(events));
    }

    /** Events just chained, their records built from the bytes their hashes covered. */
    static AuditBatch of(ChainHash.Chained chained) {
        return of(chained.events(), AuditRecords.encode(chained));
    }

    private static AuditBatch of(List<ChainedEvent> events, byte[] records) {
        long[] micros = new long[events.size()];
        int[] ends = AuditRecords.ends(records, events.size());
        List<List<Term>> terms = new ArrayList<>(events.size());
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < micros.length; i++) {
            ChainedEvent e = events.get(i);
            micros[i] = ChainHash.micros(e.event().time());
            min = Math.min(min, micros[i]);
            max = Math.max(max, micros[i]);
            List<Term> eventTerms = terms(e.node(), e.event().type().name(), e.event().keyId(), e.event().principal());
            if (e.event().type().isXks()) {
                addXksTerms(e.event(), eventTerms);
            }
            terms.add(eventTerms);
        }
        return new AuditBatch(events.get(0).node(), events.get(0).sequence(), events.get(events.size() - 1).sequence(),
                min, max, records, events.size(), micros, ends, terms);
    }

    /** An event's terms; an empty key id or principal is not one (an empty filter means "any"). */
    static List<Term> terms(String node, String type, String keyId, String principal) {
        List<Term> terms = new ArrayList<>(4);
        terms.add(new Term(Term.NODE, node));
        terms.add(new Term(Term.TYPE, type));
        if (!keyId.isEmpty()) {
            terms.add(new Term(Term.KEY, keyId));
        }
        if (!principal.isEmpty()) {
            terms.add(new Term(Term.PRINCIPAL, principal));
        }
        return terms;
    }

    /**
     * What an XKS call is also found by: its AWS principal and its key store (id and name). Each
     * has few values (callers and stores), so a row's index entries stay few; KMS's request id,
     * one per call, is not indexed (a query matches it on the events of its time range).
     */
    static void addXksTerms(AuditEvent event, List<Term> terms) {
        XksCallRecord.awsPrincipalOf(event.type(), event.detail()).ifPresent(p -> terms.add(new Term(Term.AWS_PRINCIPAL, p)));
        if (!event.target().isEmpty()) {
            terms.add(new Term(Term.XKS_KEY_STORE, event.target()));
        }
        if (event.principal().startsWith("xks:")) {
            terms.add(new Term(Term.XKS_KEY_STORE, event.principal().substring("xks:".length())));
        }
    }

    /** The distinct terms of this row's events, in first-seen order; empty without per-event detail. */
    Set<Term> distinctTerms() {
        Set<Term> distinct = new LinkedHashSet<>();
        if (terms != null) {
            terms.forEach(distinct::addAll);
        }
        return distinct;
    }

    /**
     * The rows for {@code batches} (in order): each run of consecutive events of one chain as one
     * row, up to {@value #ROW_EVENTS} events, {@value #ROW_BYTES} bytes (unless one batch alone is
     * larger) and {@value #MAX_SPAN_MICROS} µs of event time (always), its records copied once (a
     * batch that is a row by itself is not copied).
     */
    static List<AuditBatch> rows(List<AuditBatch> batches) {
        List<AuditBatch> rows = new ArrayList<>();
        Builder row = null;
        for (AuditBatch b : batches) {
            if (row != null && row.fitsWhole(b)) {
                row.addAll(b);
                continue;
            }
            if (b.maxMicros - b.minMicros <= MAX_SPAN_MICROS || b.micros == null) {
                // A batch is written whole, even past the event and byte limits (one group commit).
                if (row != null) {
                    rows.add(row.build());
                }
                row = new Builder();
                row.addAll(b);
                continue;
            }
            // Only a batch whose events lie too far apart in time is cut, event by event.
            for (int i = 0; i < b.events; i++) {
                if (row == null || !row.fits(b, i)) {
                    if (row != null) {
                        rows.add(row.build());
                    }
                    row = new Builder();
                }
                row.add(b, i);
            }
        }
        if (row != null) {
            rows.add(row.build());
        }
        return rows;
    }

    /** A row being assembled from whole batches or single events. */
    private static final class Builder {
        private final List<AuditBatch> sources = new ArrayList<>();
        private final List<int[]> ranges = new ArrayList<>(); // {from event, to event} of each source
        private String node;
        private long first;
        private long last;
        private long min = Long.MAX_VALUE;
        private long max = Long.MIN_VALUE;
        private int events;
        private int bytes;

        private boolean continues(AuditBatch b, long sequence) {
            return events == 0 || b.node.equals(node) && sequence == last + 1;
        }

        boolean fitsWhole(AuditBatch b) {
            return continues(b, b.firstSequence) && events + b.events <= ROW_EVENTS
                    && (long) bytes + b.records.length <= ROW_BYTES
                    && Math.max(max, b.maxMicros) - Math.min(min, b.minMicros) <= MAX_SPAN_MICROS;
        }

        boolean fits(AuditBatch b, int i) {
            long micros = b.micros[i];
            return continues(b, b.firstSequence + i) && events < ROW_EVENTS
                    && (events == 0 || (long) bytes + b.recordLength(i) <= ROW_BYTES)
                    && Math.max(max, micros) - Math.min(min, micros) <= MAX_SPAN_MICROS;
        }

        void addAll(AuditBatch b) {
            take(b, 0, b.events, b.minMicros, b.maxMicros, b.records.length);
        }

        void add(AuditBatch b, int i) {
            take(b, i, i + 1, b.micros[i], b.micros[i], b.recordLength(i));
        }

        private void take(AuditBatch b, int from, int to, long lo, long hi, int length) {
            if (events == 0) {
                node = b.node;
                first = b.firstSequence + from;
            }
            int[] previous = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (previous != null && sources.get(sources.size() - 1) == b && previous[1] == from) {
                previous[1] = to;
            } else {
                sources.add(b);
                ranges.add(new int[] {from, to});
            }
            last = b.firstSequence + to - 1;
            min = Math.min(min, lo);
            max = Math.max(max, hi);
            events += to - from;
            bytes += length;
        }

        AuditBatch build() {
            if (sources.size() == 1 && ranges.get(0)[0] == 0 && ranges.get(0)[1] == sources.get(0).events) {
                return sources.get(0);
            }
            byte[] records = new byte[bytes];
            long[] micros = new long[events];
            int[] ends = new int[events];
            List<List<Term>> terms = new ArrayList<>(events);
            int at = 0;
            int n = 0;
            for (int s = 0; s < sources.size(); s++) {
                AuditBatch b = sources.get(s);
                int from = ranges.get(s)[0];
                int to = ranges.get(s)[1];
                int start = b.recordStart(from);
                int length = b.ends[to - 1] - start;
                System.arraycopy(b.records, start, records, at, length);
                for (int i = from; i < to; i++) {
                    micros[n] = b.micros[i];
                    ends[n] = at + b.ends[i] - start;
                    terms.add(b.terms.get(i));
                    n++;
                }
                at += length;
            }
            return new AuditBatch(node, first, last, min, max, records, events, micros, ends, terms);
        }
    }

    private int recordStart(int i) {
        return i == 0 ? 0 : ends[i - 1];
    }

    private int recordLength(int i) {
        return ends[i] - recordStart(i);
    }
}
