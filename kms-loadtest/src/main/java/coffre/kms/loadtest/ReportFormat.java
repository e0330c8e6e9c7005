package coffre.kms.loadtest;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Renders a {@link Report} for people (aligned text) or for scripts (one JSON object). */
public final class ReportFormat {
    private ReportFormat() {
    }

    /** A few lines of text: settings, throughput, a latency table in milliseconds, failures. */
    public static String text(Report report) {
        StringBuilder s = new StringBuilder();
        report.settings().forEach((k, v) -> s.append(String.format(Locale.ROOT, "%-14s %s%n", k + ":", v)));
        s.append(String.format(Locale.ROOT, "%-14s %.2f s%n", "measured:", report.seconds()));
        s.append(String.format(Locale.ROOT, "%-14s %,.0f calls/s (%,d ok, %,d failed)%n", "throughput:",
                report.throughput(), report.successes(), report.errors()));
        s.append(String.format(Locale.ROOT, "%-18s %10s %8s %8s %8s %8s %8s %8s%n", "latency (ms)", "calls",
                "mean", "p50", "p90", "p99", "p99.9", "max"));
        report.byOperation().forEach((op, l) -> row(s, op.cliName(), l));
        if (report.byOperation().size() != 1) {
            row(s, "all", report.overall());
        }
        Report.Unmeasured before = report.unmeasured();
        if (!before.equals(Report.Unmeasured.NONE)) {
            s.append(String.format(Locale.ROOT, "%-14s %,d ok before measuring (%,d envelopes, %,d warm-up; "
                    + "%,d warm-up failed); %,d acknowledged in all%n", "unmeasured:",
                    before.setupSuccesses() + before.warmupSuccesses(), before.setupSuccesses(),
                    before.warmupSuccesses(), before.warmupErrors(), report.acknowledged()));
        }
        Report.Cpu cpu = report.cpu();
        if (cpu != null) {
            s.append(String.format(Locale.ROOT, "%-14s load tool %s", "cpu:",
                    cpuText(cpu.loadToolSeconds(), report)));
            if (cpu.serverSeconds() != null) {
                s.append(", server ").append(cpuText(cpu.serverSeconds(), report));
            }
            s.append(System.lineSeparator());
        }
        if (report.errors() > 0) {
            s.append("failures by reason:").append(System.lineSeparator());
            new TreeMap<>(report.errorsByReason()).forEach((reason, n) ->
                    s.append(String.format(Locale.ROOT, "  %-40s %,d%n", reason, n)));
        }
        return s.toString();
    }

    private static String cpuText(Double seconds, Report report) {
        Double perCall = Report.Cpu.microsPerCall(seconds, report.successes());
        return seconds == null ? "unknown" : String.format(Locale.ROOT, "%.2f cores, %s µs/call",
                seconds / report.seconds(), perCall == null ? "-" : String.format(Locale.ROOT, "%.1f", perCall));
    }

    private static void row(StringBuilder s, String name, Report.Latency l) {
        s.append(String.format(Locale.ROOT, "%-18s %10d %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f%n", name, l.count(),
                l.mean(), l.p50(), l.p90(), l.p99(), l.p999(), l.max()));
    }

    /**
     * One JSON object: {@code settings}, {@code seconds}, {@code throughput}, {@code successes},
     * {@code errors}, {@code unmeasured} (calls before the measured run), {@code acknowledged} (every
     * successful call, those before the run included), {@code errorsByReason}, {@code latencyMs} (overall),
     * {@code latencyMsByOperation} and, when measured, {@code cpu} (CPU seconds of the load tool and of
     * {@code --server-pid} during the run, per successful call in µs, and the system part of that per
     * call; null where unknown).
     * Latencies are in milliseconds.
     */
    public static String json(Report report) {
        StringBuilder s = new StringBuilder("{");
        s.append("\"settings\":{");
        boolean first = true;
        for (Map.Entry<String, Object> e : report.settings().entrySet()) {
            if (!first) {
                s.append(',');
            }
            first = false;
            string(s, e.getKey());
            s.append(':');
            value(s, e.getValue());
        }
        s.append("},\"seconds\":").append(number(report.seconds()));
        s.append(",\"throughput\":").append(number(report.throughput()));
        s.append(",\"successes\":").append(report.successes());
        s.append(",\"errors\":").append(report.errors());
        s.append(",\"unmeasured\":{\"setupSuccesses\":").append(report.unmeasured().setupSuccesses())
                .append(",\"warmupSuccesses\":").append(report.unmeasured().warmupSuccesses())
                .append(",\"warmupErrors\":").append(report.unmeasured().warmupErrors()).append('}');
        s.append(",\"acknowledged\":").append(report.acknowledged());
        s.append(",\"errorsByReason\":{");
        first = true;
        for (Map.Entry<String, Long> e : new TreeMap<>(report.errorsByReason()).entrySet()) {
            if (!first) {
                s.append(',');
            }
            first = false;
            string(s, e.getKey());
            s.append(':').append(e.getValue());
        }
        s.append("},\"latencyMs\":");
        latency(s, report.overall());
        s.append(",\"latencyMsByOperation\":{");
        first = true;
        for (Map.Entry<Operation, Report.Latency> e : report.byOperation().entrySet()) {
            if (!first) {
                s.append(',');
            }
            first = false;
            string(s, e.getKey().cliName());
            s.append(':');
            latency(s, e.getValue());
        }
        s.append('}');
        if (report.cpu() != null) {
            Report.Cpu cpu = report.cpu();
            s.append(",\"cpu\":{\"loadToolSeconds\":").append(nullable(cpu.loadToolSeconds()))
                    .append(",\"loadToolMicrosPerCall\":")
                    .append(nullable(Report.Cpu.microsPerCall(cpu.loadToolSeconds(), report.successes())))
                    .append(",\"serverSeconds\":").append(nullable(cpu.serverSeconds()))
                    .append(",\"serverMicrosPerCall\":")
                    .append(nullable(Report.Cpu.microsPerCall(cpu.serverSeconds(), report.successes())))
                    .append(",\"loadToolSystemMicrosPerCall\":")
                    .append(nullable(Report.Cpu.microsPerCall(cpu.loadToolSystemSeconds(), report.successes())))
                    .append(",\"serverSystemMicrosPerCall\":")
                    .append(nullable(Report.Cpu.microsPerCall(cpu.serverSystemSeconds(), report.successes())))
                    .append('}');
        }
        return s.append('}').toString();
    }

    private static void latency(StringBuilder s, Report.Latency l) {
        s.append("{\"count\":").append(l.count())
                .append(",\"mean\":").append(number(l.mean()))
                .append(",\"p50\":").append(number(l.p50()))
                .append(",\"p90\":").append(number(l.p90()))
                .append(",\"p99\":").append(number(l.p99()))
                .append(",\"p99.9\":").append(number(l.p999()))
                .append(",\"max\":").append(number(l.max()))
                .append('}');
    }

    private static void value(StringBuilder s, Object v) {
        if (v instanceof Number n && !(v instanceof Double d && (d.isNaN() || d.isInfinite()))) {
            s.append(v instanceof Double || v instanceof Float ? number(n.doubleValue()) : n.toString());
        } else if (v instanceof Boolean b) {
            s.append(b);
        } else if (v == null) {
            s.append("null");
        } else {
            string(s, v.toString());
        }
    }

    private static String nullable(Double d) {
        return d == null ? "null" : number(d);
    }

    private static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "null";
        }
        return String.format(Locale.ROOT, "%.3f", d);
    }

    private static void string(StringBuilder s, String text) {
        s.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) {
                        s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        s.append('"');
    }
}
