// What share of a node's CPU its telemetry takes, read from a JDK Flight Recorder recording
// (docs/performance.md, "Telemetry cost"): a throughput ratio between two runs on this VM moves by
// several percent from minute to minute; a profile of one run says directly where its CPU went.
//
//   java deploy/bench/TelemetryShare.java [--from EPOCH_MS --to EPOCH_MS] RECORDING.jfr...
//
// For each recording: its jdk.ExecutionSample events (a Java thread caught running Java code; a
// node's bench recording takes one every 2 ms with JFR_SETTINGS=jdk.ExecutionSample#period=2ms, see
// deploy/bench/lib.sh), within [--from, --to] when given (e.g. a measured run's window), and the
// share of them in telemetry code: a sample whose topmost frame outside the JDK (java.*, jdk.*,
// sun.*, javax.*) is Micrometer, the Prometheus client, vertx-micrometer-metrics, OpenTelemetry,
// HikariCP's metrics tracker or Coffre's own telemetry package; a JDK frame above it (a LongAdder,
// a map lookup, a string builder) is counted with the caller that made it work. So a timer record,
// a scrape, a span export and the meters Vert.x keeps are telemetry; the HSM operation an
// ObservedHsm times is not. Native code (the PKCS#11 library) is not in these samples: the share is
// of the node's Java CPU, more than its share of all the node's CPU. Also prints the telemetry
// frames that took the most samples.
//
// Run with the java source launcher (no class path needed).

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

public class TelemetryShare {
    private static final List<String> TELEMETRY = List.of("io.micrometer.", "io.prometheus.", "io.vertx.micrometer.",
            "io.opentelemetry.", "com.zaxxer.hikari.metrics.", "coffre.kms.server.telemetry.");
    private static final List<String> JDK = List.of("java.", "jdk.", "sun.", "javax.");

    public static void main(String[] args) throws IOException {
        long from = Long.MIN_VALUE;
        long to = Long.MAX_VALUE;
        int i = 0;
        for (; i < args.length && args[i].startsWith("--"); i += 2) {
            if (i + 1 >= args.length) {
                usage();
            }
            switch (args[i]) {
                case "--from" -> from = Long.parseLong(args[i + 1]);
                case "--to" -> to = Long.parseLong(args[i + 1]);
                default -> usage();
            }
        }
        if (i == args.length) {
            usage();
        }
        for (; i < args.length; i++) {
            report(Path.of(args[i]), from, to);
        }
    }

    private static void usage() {
        System.err.println("usage: java TelemetryShare.java [--from EPOCH_MS --to EPOCH_MS] RECORDING.jfr...");
        System.exit(2);
    }

    private static void report(Path recording, long from, long to) throws IOException {
        int samples = 0;
        int telemetry = 0;
        Map<String, Integer> byFrame = new HashMap<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            Instant at = event.getStartTime();
            if (at.toEpochMilli() < from || at.toEpochMilli() > to) {
                continue;
            }
            samples++;
            String frame = topFrameOutsideTheJdk(event.getStackTrace().getFrames());
            if (frame != null && TELEMETRY.stream().anyMatch(frame::startsWith)) {
                telemetry++;
                byFrame.merge(frame, 1, Integer::sum);
            }
        }
        System.out.printf("%s: %d samples, %d in telemetry code: %.2f %%%n", recording.getFileName(), samples, telemetry,
                samples == 0 ? 0.0 : 100.0 * telemetry / samples);
        int total = samples;
        byFrame.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(Integer.getInteger("top", 8))
                .forEach(e -> System.out.printf("    %5.2f %%  %s%n", 100.0 * e.getValue() / total, e.getKey()));
    }

    private static String topFrameOutsideTheJdk(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            if (!frame.isJavaFrame() || frame.getMethod() == null) {
                continue;
            }
            String name = frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
            if (JDK.stream().noneMatch(name::startsWith)) {
                return name;
            }
        }
        return null;
    }
}
