package coffre.kms.server.store;

import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.ApprovalStore;
import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.approval.QuorumRule;
import coffre.kms.server.cluster.ChangeFeed;
import coffre.kms.server.cluster.ChangePublisher;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.keys.KeyMetadataStore;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.Officer;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * {@link ApprovalStore} over JDBC (H2 or PostgreSQL): whole records as base64 protobuf (the API's
 * {@code Officer} and {@code ApprovalRequest}, see {@link QuorumMessages}), with the phase, times
 * and revision in columns. Each method is one transaction.
 */
public final class JdbcApprovalStore implements ApprovalStore {
    private static final int QUORUM_ROW = 1;

    private final Transactions transactions;
    private final ChangePublisher changes;

    public JdbcApprovalStore(DataSource dataSource) {
        this(dataSource, ChangePublisher.NONE);
    }

    /** @param changes told of every approval request change, inside its transaction */
    JdbcApprovalStore(DataSource dataSource, ChangePublisher changes) {
        this.transactions = new Transactions(dataSource, "approval store");
        this.changes = changes;
    }

    @Override
    public Optional<Initialization> initialization() {
        return transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT threshold, min_per_operator, ceremony_digest FROM kms_quorum WHERE id = ?")) {
                st.setInt(1, QUORUM_ROW);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Initialization(new QuorumRule(rs.getInt(1), rs.getInt(2)), rs.getString(3)));
                }
            }
        });
    }

    @Override
    public boolean initialize(QuorumRule rule, String ceremonyDigest, List<OfficerRecord> officers, Instant at) {
        return transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO kms_quorum "
                    + "(id, threshold, min_per_operator, ceremony_digest, initialized_at) VALUES (?, ?, ?, ?, ?)")) {
                st.setInt(1, QUORUM_ROW);
                st.setInt(2, rule.threshold());
                st.setInt(3, rule.minPerOperator());
                st.setString(4, ceremonyDigest);
                st.setObject(5, at.atOffset(ZoneOffset.UTC));
                st.executeUpdate();
            } catch (SQLException e) {
                if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                    return false;
                }
                throw e;
            }
            for (OfficerRecord officer : officers) {
                upsertOfficer(c, QuorumMessages.officer(officer));
            }
            return true;
        });
    }

    @Override
    public void setRule(QuorumRule rule) {
        transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE kms_quorum SET threshold = ?, min_per_operator = ? WHERE id = ?")) {
                st.setInt(1, rule.threshold());
                st.setInt(2, rule.minPerOperator());
                st.setInt(3, QUORUM_ROW);
                st.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<OfficerRecord> officers() {
        return transactions.run(c -> {
            List<OfficerRecord> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("SELECT body FROM kms_officer ORDER BY id");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(decode(rs.getString(1), Officer.parser(), QuorumMessages::officer));
                }
            }
            return out;
        });
    }

    @Override
    public void saveOfficer(OfficerRecord officer) {
        transactions.run(c -> {
            upsertOfficer(c, QuorumMessages.officer(officer));
            return null;
        });
    }

    private static void upsertOfficer(Connection c, Officer officer) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE kms_officer SET status = ?, body = ? WHERE id = ?")) {
            update.setString(1, officer.getStatus().name());
            update.setString(2, encode(officer));
            update.setString(3, officer.getId());
            if (update.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO kms_officer (id, status, body) VALUES (?, ?, ?)")) {
            insert.setString(1, officer.getId());
            insert.setString(2, officer.getStatus().name());
            insert.setString(3, encode(officer));
            insert.executeUpdate();
        }
    }

    @Override
    public void insert(Approval request, Instant expiresAt) {
        transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO kms_approval "
                    + "(id, phase, created_at, expires_at, revision, body) VALUES (?, ?, ?, ?, ?, ?)")) {
                st.setString(1, request.id());
                st.setString(2, Phase.PENDING.name());
                st.setObject(3, OffsetDateTime.ofInstant(request.createTime(), ZoneOffset.UTC));
                st.setObject(4, expiresAt.atOffset(ZoneOffset.UTC));
                st.setLong(5, 1);
                st.setString(6, encode(QuorumMessages.request(request)));
                st.executeUpdate();
            }
            changes.publish(c, ChangeFeed.Topic.APPROVAL, request.id());
            return null;
        });
    }

    @Override
    public Optional<Stored> find(String id) {
        return transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT body, phase, revision FROM kms_approval WHERE id = ?")) {
                st.setString(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(stored(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public boolean update(Approval request, Phase phase, long expectedRevision) {
        return transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE kms_approval SET phase = ?, body = ?, revision = ? WHERE id = ? AND revision = ?")) {
                st.setString(1, phase.name());
                st.setString(2, encode(QuorumMessages.request(request)));
                st.setLong(3, expectedRevision + 1);
                st.setString(4, request.id());
                st.setLong(5, expectedRevision);
                if (st.executeUpdate() != 1) {
                    return false;
                }
            }
            changes.publish(c, ChangeFeed.Topic.APPROVAL, request.id());
            return true;
        });
    }

    @Override
    public List<Stored> list(List<Phase> phases) {
        String where = phases.isEmpty() ? "" : " WHERE phase IN ("
                + phases.stream().map(p -> "?").collect(Collectors.joining(", ")) + ")";
        return transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT body, phase, revision FROM kms_approval" + where + " ORDER BY created_at, id")) {
                for (int i = 0; i < phases.size(); i++) {
                    st.setString(i + 1, phases.get(i).name());
                }
                return collect(st);
            }
        });
    }

    @Override
    public List<Stored> expired(Instant now) {
        return transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT body, phase, revision FROM kms_approval "
                    + "WHERE phase = ? AND expires_at < ? ORDER BY created_at, id")) {
                st.setString(1, Phase.PENDING.name());
                st.setObject(2, now.atOffset(ZoneOffset.UTC));
                return collect(st);
            }
        });
    }

    @Override
    public boolean markSignatureUsed(String statementKey, Instant at) {
        return transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "INSERT INTO kms_used_signature (statement_key, used_at) VALUES (?, ?)")) {
                st.setString(1, statementKey);
                st.setObject(2, at.atOffset(ZoneOffset.UTC));
                st.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                    return false;
                }
                throw e;
            }
        });
    }

    @Override
    public int forgetSignaturesUsedBefore(Instant before) {
        return transactions.run(c -> {
            try (PreparedStatement st = c.prepareStatement("DELETE FROM kms_used_signature WHERE used_at < ?")) {
                st.setObject(1, before.atOffset(ZoneOffset.UTC));
                return st.executeUpdate();
            }
        });
    }

    private static List<Stored> collect(PreparedStatement st) throws SQLException {
        List<Stored> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(stored(rs));
            }
        }
        return out;
    }

    private static Stored stored(ResultSet rs) throws SQLException {
        return new Stored(decode(rs.getString(1), ApprovalRequest.parser(), QuorumMessages::approval),
                Phase.valueOf(rs.getString(2)), rs.getLong(3));
    }

    private static String encode(MessageLite message) {
        return Base64.getEncoder().encodeToString(message.toByteArray());
    }

    private static <M, T> T decode(String text, Parser<M> parser, Function<M, T> record) throws SQLException {
        try {
            return record.apply(parser.parseFrom(Base64.getDecoder().decode(text)));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new SQLException("stored record is unreadable", e);
        }
    }
}
