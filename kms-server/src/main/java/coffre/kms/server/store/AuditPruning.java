package coffre.kms.server.store;

import coffre.kms.server.audit.AuditAnchor;
import coffre.kms.server.audit.ChainHash;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of audit retention (docs/audit.md, "Retention"): a chain's prune anchor, where a prune
 * may cut it (a row boundary), and the prune itself, run inside {@link JdbcAuditStore}'s
 * transactions. Apart from the append and query paths because it runs once a month, not per call.
 * Package-private statements, so that the query-plan tests check these very statements.
 */
final class AuditPruning {
    /** The chain's current start: its last anchor, backwards on the primary key (node_id, seq). */
    static final String ANCHOR_SQL = "SELECT node_id, seq, hash, pruned_micros, checkpoint_seq, archive_sha256, mac "
            + "FROM kms_audit_anchor WHERE node_id = ? ORDER BY node_id DESC, seq DESC LIMIT 1";
    /** The row holding a sequence, or the last one before it, with its end. */
    static final String ROW_AT_SQL = "SELECT first_seq, last_seq FROM kms_audit_batch WHERE node_id = ? AND first_seq <= ? "
            + "ORDER BY node_id DESC, first_seq DESC LIMIT 1";
    /** The next rows to prune, along the primary key: their keys, time range and records (for their index entries). */
    static final String PRUNE_PAGE_SQL = "SELECT first_seq, last_seq, min_micros, events FROM kms_audit_batch "
            + "WHERE node_id = ? AND first_seq <= ? ORDER BY node_id, first_seq LIMIT " + JdbcAuditStore.ROWS_PER_READ;
    /** One term entry of a pruned row, by its whole primary key (kind, term, min_micros, node_id, first_seq). */
    static final String TERM_KEY = "kind = ? AND term = ? AND min_micros = ? AND node_id = ? AND first_seq = ?";

    private AuditPruning() {
    }

    /** The chain's latest prune anchor, if it was ever pruned. */
    static Optional<AuditAnchor> anchor(Connection connection, String node) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(ANCHOR_SQL)) {
            st.setString(1, node);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new AuditAnchor(rs.getString(1), rs.getLong(2), rs.getString(3),
                        ChainHash.fromMicros(rs.getLong(4)), rs.getLong(5), rs.getString(6), rs.getString(7)));
            }
        }
    }

    /**
     * The row holding {@code through} (or the last before it) ends the pruned part if it ends at
     * or before {@code through} and is not the chain's last row; else the part ends just before it.
     * Rows of a chain are contiguous, so {@code first_seq - 1} is the previous row's end.
     */
    static long boundary(Connection connection, String node, long through) throws SQLException {
        long tailFirst;
        try (PreparedStatement st = connection.prepareStatement(JdbcAuditStore.TAIL_SQL)) {
            st.setString(1, node);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return 0;
                }
                tailFirst = rs.getLong(1);
            }
        }
        try (PreparedStatement st = connection.prepareStatement(ROW_AT_SQL)) {
            st.setString(1, node);
            st.setLong(2, Math.min(through, tailFirst - 1));
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return 0;
                }
                long first = rs.getLong(1);
                long last = rs.getLong(2);
                return last <= through ? last : first - 1;
            }
        }
    }

    /**
     * In the caller's transaction: records {@code anchor} and deletes the chain's rows through it,
     * their term entries and the checkpoints before it.
     *
     * @throws IllegalStateException if the chain is already pruned as far, or the anchor's sequence
     *                               does not end a stored row before the chain's last one
     */
    static void prune(Connection connection, AuditAnchor anchor) throws SQLException {
        Optional<AuditAnchor> current = anchor(connection, anchor.node());
        if (current.isPresent() && current.get().sequence() >= anchor.sequence()) {
            throw new IllegalStateException("the chain of " + anchor.node() + " is already pruned through "
                    + current.get().sequence());
        }
        if (boundary(connection, anchor.node(), anchor.sequence()) != anchor.sequence()) {
            throw new IllegalStateException("sequence " + anchor.sequence() + " of " + anchor.node()
                    + " does not end a stored row before the chain's last one");
        }
        try (PreparedStatement st = connection.prepareStatement("INSERT INTO kms_audit_anchor (node_id, seq, hash, "
                + "pruned_micros, checkpoint_seq, archive_sha256, mac) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            st.setString(1, anchor.node());
            st.setLong(2, anchor.sequence());
            st.setString(3, anchor.hash());
            st.setLong(4, ChainHash.micros(anchor.prunedAt()));
            st.setLong(5, anchor.checkpointSequence());
            st.setString(6, anchor.archiveSha256());
            st.setString(7, anchor.mac());
            st.executeUpdate();
        }
        deleteRows(connection, anchor.node(), anchor.sequence());
        try (PreparedStatement st = connection.prepareStatement(
                "DELETE FROM kms_audit_checkpoint WHERE node_id = ? AND seq < ?")) {
            st.setString(1, anchor.node());
            st.setLong(2, anchor.sequence());
            st.executeUpdate();
        }
    }

    /**
     * Deletes the node's rows ending at or before {@code through}, a few at a time along the
     * primary key, each with its term entries: those are found by their primary key from the
     * row's own events, so the term table (which has no index by node and sequence, to keep every
     * append cheap) is never scanned.
     */
    private static void deleteRows(Connection connection, String node, long through) throws SQLException {
        try (PreparedStatement page = connection.prepareStatement(PRUNE_PAGE_SQL);
             PreparedStatement term = connection.prepareStatement("DELETE FROM kms_audit_term WHERE " + TERM_KEY);
             PreparedStatement row = connection.prepareStatement(
                     "DELETE FROM kms_audit_batch WHERE node_id = ? AND first_seq = ?")) {
            while (true) {
                page.setString(1, node);
                page.setLong(2, through);
                List<long[]> keys = new ArrayList<>();
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        long first = rs.getLong(1);
                        long last = rs.getLong(2);
                        long minMicros = rs.getLong(3);
                        if (last > through) {
                            throw new IllegalStateException("row " + first + ".." + last + " of " + node
                                    + " spans the prune point " + through);
                        }
                        List<AuditBatch.Term> terms = new ArrayList<>();
                        for (AuditRecords.Stored stored : AuditRecords.read(rs.getBytes(4))) {
                            var f = stored.fields();
                            if (f != null) {
                                terms.addAll(AuditBatch.terms(node, f.type(), f.keyId(), f.principal()));
                            }
                        }
                        for (AuditBatch.Term t : AuditTermIndex.indexed(terms)) {
                            term.setString(1, String.valueOf(t.kind()));
                            term.setString(2, t.value());
                            term.setLong(3, minMicros);
                            term.setString(4, node);
                            term.setLong(5, first);
                            term.addBatch();
                        }
                        keys.add(new long[] {first, last});
                    }
                }
                if (keys.isEmpty()) {
                    return;
                }
                term.executeBatch();
                for (long[] key : keys) {
                    row.setString(1, node);
                    row.setLong(2, key[0]);
                    row.addBatch();
                }
                row.executeBatch();
            }
        }
    }
}
