package coffre.kms.server.store;

import coffre.kms.server.audit.ChainHash;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Table {@code kms_audit_term} (migration V9): for each batch row, one index row per distinct
 * type, key id, principal and node of its events (and, for calls of AWS external key stores, AWS
 * principal and key store: {@link AuditBatch.Term}), with the batch row's time range. A filtered query
 * walks these in time order for one term (an index range) instead of decoding every batch of its
 * time range; rows are few (a handful per batch row under load, where a batch holds up to a
 * thousand events of a few keys), so a write costs little more.
 */
final class AuditTermIndex {
    /** Longest term value stored as it is; longer ones (principals) are stored as a digest. */
    static final int MAX_PLAIN = 64;

    static final String INSERT_SQL = "INSERT INTO kms_audit_term (kind, term, min_micros, max_micros, node_id, first_seq) "
            + "VALUES (?, ?, ?, ?, ?, ?)";

    private AuditTermIndex() {
    }

    /**
     * The indexed form of a term's value: itself up to {@value #MAX_PLAIN} characters, else "#" and
     * its SHA-256 (a principal may be 1,024 characters, too long for a B-tree key on PostgreSQL).
     * Two values may share a digest only in theory; queries check every decoded event anyway.
     */
    static String value(String value) {
        return value.length() <= MAX_PLAIN ? value
                : "#" + ChainHash.sha256Hex(value.getBytes(StandardCharsets.UTF_8));
    }

    /** The entries that index a row under {@code terms}: each value in its indexed form, once. */
    static Set<AuditBatch.Term> indexed(Collection<AuditBatch.Term> terms) {
        Set<AuditBatch.Term> indexed = new LinkedHashSet<>();
        for (AuditBatch.Term t : terms) {
            indexed.add(new AuditBatch.Term(t.kind(), value(t.value())));
        }
        return indexed;
    }

    /** Indexes one batch row under its terms. */
    static void insert(Connection connection, String node, long firstSequence, long minMicros, long maxMicros,
                       Collection<AuditBatch.Term> terms) throws SQLException {
        if (terms.isEmpty()) {
            return;
        }
        try (PreparedStatement st = connection.prepareStatement(INSERT_SQL)) {
            for (AuditBatch.Term stored : indexed(terms)) {
                st.setString(1, String.valueOf(stored.kind()));
                st.setString(2, stored.value());
                st.setLong(3, minMicros);
                st.setLong(4, maxMicros);
                st.setString(5, node);
                st.setLong(6, firstSequence);
                st.addBatch();
            }
            st.executeBatch();
        }
    }
}
