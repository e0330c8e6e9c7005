package coffre.kms.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a statement costs as the database runs it, on H2 and PostgreSQL alike: its plan, and the
 * rows its scans read ({@code EXPLAIN ANALYZE}). Tests use the rows read instead of timings, so
 * that "does not grow with the log" is a count, not a race.
 */
final class QueryPlans {
    private static final Pattern H2_SCANNED = Pattern.compile("scanCount: (\\d+)");
    /** A PostgreSQL plan node's actual rows and loops ("actual time=0.01..0.02 rows=1 loops=1"). */
    private static final Pattern PG_SCANNED = Pattern.compile("Scan.*actual time=\\S+ rows=(\\d+) loops=(\\d+)");

    private QueryPlans() {
    }

    /** The plan of {@code sql} run with {@code args}, as text (it is run, not only planned). */
    static String explain(Connection connection, String sql, List<?> args) throws SQLException {
        boolean h2 = connection.getMetaData().getDatabaseProductName().startsWith("H2");
        String explain = h2 ? "EXPLAIN ANALYZE " : "EXPLAIN (ANALYZE, COSTS OFF) ";
        try (PreparedStatement st = connection.prepareStatement(explain + sql)) {
            for (int i = 0; i < args.size(); i++) {
                st.setObject(i + 1, args.get(i));
            }
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            return plan.toString();
        }
    }

    /** Rows that the plan's scans read: H2's scan counts, PostgreSQL's actual rows of each scan node. */
    static long rowsRead(String plan) {
        long rows = 0;
        Matcher h2 = H2_SCANNED.matcher(plan);
        while (h2.find()) {
            rows += Long.parseLong(h2.group(1));
        }
        Matcher pg = PG_SCANNED.matcher(plan);
        while (pg.find()) {
            rows += Long.parseLong(pg.group(1)) * Long.parseLong(pg.group(2));
        }
        return rows;
    }

    /** True when the plan sorts rows itself (rather than reading them in an index's order). */
    static boolean sorts(String plan) {
        if (plan.contains("ORDER BY")) {
            // H2 prints the ORDER BY of every plan, and "index sorted" when no sort is done.
            return !plan.contains("/* index sorted */");
        }
        return plan.contains("Sort");
    }
}
