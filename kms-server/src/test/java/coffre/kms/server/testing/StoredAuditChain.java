package coffre.kms.server.testing;

import coffre.kms.server.store.AuditRecords;
import coffre.kms.v1.audit.AuditChainEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A node's audit chain as the database holds it, read and rewritten with plain SQL and the stored
 * record format: what someone with write access to the database, but no HSM, can do to the log.
 * Tamper tests use it to edit, delete, reorder and insert events.
 */
public final class StoredAuditChain {
    private StoredAuditChain() {
    }

    /** Every record of {@code node}'s batches, in stored order. */
    public static List<AuditRecords.Stored> read(Connection c, String node) throws SQLException {
        List<AuditRecords.Stored> records = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(
                "SELECT events FROM kms_audit_batch WHERE node_id = ? ORDER BY first_seq")) {
            st.setString(1, node);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    records.addAll(AuditRecords.read(rs.getBytes(1)));
                }
            }
        }
        return records;
    }

    /** Replaces {@code node}'s batches by one holding {@code records} as they are (hashes untouched). */
    public static void rewrite(Connection c, String node, List<AuditRecords.Stored> records) throws SQLException {
        for (String table : List.of("kms_audit_batch", "kms_audit_term")) {
            // The term index too, as someone hiding a rewrite would (its stale entries would collide with new rows).
            try (PreparedStatement st = c.prepareStatement("DELETE FROM " + table + " WHERE node_id = ?")) {
                st.setString(1, node);
                st.executeUpdate();
            }
        }
        if (records.isEmpty()) {
            return;
        }
        long min = records.stream().mapToLong(r -> r.fields().timeMicros()).min().orElseThrow();
        long max = records.stream().mapToLong(r -> r.fields().timeMicros()).max().orElseThrow();
        try (PreparedStatement st = c.prepareStatement("INSERT INTO kms_audit_batch (node_id, first_seq, last_seq, "
                + "min_micros, max_micros, events) VALUES (?, ?, ?, ?, ?, ?)")) {
            st.setString(1, node);
            st.setLong(2, records.get(0).fields().sequence());
            st.setLong(3, records.get(records.size() - 1).fields().sequence());
            st.setLong(4, min);
            st.setLong(5, max);
            st.setBytes(6, AuditRecords.write(records));
            st.executeUpdate();
        }
    }

    /** Rewrites the event at {@code sequence} with {@code edit} applied to its fields (its stored hashes kept). */
    public static void edit(Connection c, String node, long sequence, UnaryOperator<AuditChainEncoding.Fields> edit)
            throws SQLException {
        List<AuditRecords.Stored> records = new ArrayList<>(read(c, node));
        boolean found = false;
        for (int i = 0; i < records.size(); i++) {
            AuditRecords.Stored r = records.get(i);
            if (r.fields().sequence() == sequence) {
                records.set(i, new AuditRecords.Stored(edit.apply(r.fields()), r.previousHash(), r.hash()));
                found = true;
            }
        }
        if (!found) {
            throw new IllegalArgumentException("no stored event " + sequence + " of " + node);
        }
        rewrite(c, node, records);
    }

    /** {@code f} with another principal. */
    public static AuditChainEncoding.Fields withPrincipal(AuditChainEncoding.Fields f, String principal) {
        return new AuditChainEncoding.Fields(f.node(), f.sequence(), f.timeMicros(), f.type(), principal, f.keyId(),
                f.keyVersion(), f.decision(), f.reason(), f.requestId(), f.target(), f.detail(), f.contextSha256(),
                f.latencyMicros());
    }

    /** {@code f} at another sequence. */
    public static AuditChainEncoding.Fields withSequence(AuditChainEncoding.Fields f, long sequence) {
        return new AuditChainEncoding.Fields(f.node(), sequence, f.timeMicros(), f.type(), f.principal(), f.keyId(),
                f.keyVersion(), f.decision(), f.reason(), f.requestId(), f.target(), f.detail(), f.contextSha256(),
                f.latencyMicros());
    }
}
