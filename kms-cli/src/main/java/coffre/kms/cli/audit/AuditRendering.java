package coffre.kms.cli.audit;

import coffre.kms.cli.output.ProtoJson;
import coffre.kms.cli.output.TextTable;
import coffre.kms.cli.output.Times;
import coffre.kms.v1.AuditEvent;
import java.util.List;

/** How audit events look on a terminal: a table, or one compact JSON object per line. */
final class AuditRendering {
    private AuditRendering() {
    }

    static String table(List<AuditEvent> events) {
        TextTable table = new TextTable("TIME", "NODE#SEQ", "TYPE", "PRINCIPAL", "KEY", "DECISION", "REASON", "TARGET",
                "DETAIL");
        for (AuditEvent e : events) {
            table.row(Times.format(e.getTime()), e.getNode() + "#" + e.getSequence(), e.getType(), e.getPrincipal(),
                    e.getKeyId().isEmpty() ? "" : e.getKeyId() + (e.getKeyVersion() > 0 ? "/" + e.getKeyVersion() : ""),
                    e.getDecision(), e.getReason(), e.getTarget(), e.getDetail());
        }
        return table.render();
    }

    /** One line per event, the form of `coffre audit export` and of `-o json` for tail. */
    static String jsonLine(AuditEvent event) {
        return ProtoJson.compact(event) + "\n";
    }
}
