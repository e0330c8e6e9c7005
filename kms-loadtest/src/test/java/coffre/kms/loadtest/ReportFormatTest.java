package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportFormatTest {

    private static Report sample() {
        LatencyRecorder recorder = new LatencyRecorder();
        for (int i = 1; i <= 1000; i++) {
            recorder.success(Operation.WRAP, i * 1_000L); // 1 µs .. 1 ms
        }
        recorder.success(Operation.UNWRAP, 2_000_000L);
        recorder.failure(Operation.UNWRAP, "FAILED_PRECONDITION/KEY_DISABLED");
        recorder.failure(Operation.UNWRAP, "FAILED_PRECONDITION/KEY_DISABLED");
        recorder.failure(Operation.WRAP, "UNAVAILABLE");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("label", "a \"quoted\"\nlabel");
        settings.put("mode", "closed-loop");
        settings.put("concurrency", 64);
        settings.put("rate", 1500.5);
        return Report.of(settings, 2.0, recorder.snapshot());
    }

    @Test
    void percentilesComeFromTheHistograms() {
        Report r = sample();
        assertEquals(1001, r.successes());
        assertEquals(3, r.errors());
        assertEquals(500.5, r.throughput(), 1e-9);
        Report.Latency wrap = r.byOperation().get(Operation.WRAP);
        assertEquals(1000, wrap.count());
        assertEquals(0.5, wrap.p50(), 0.001);
        assertEquals(0.9, wrap.p90(), 0.001);
        assertEquals(0.99, wrap.p99(), 0.001);
        assertEquals(1.0, wrap.max(), 0.001);
        assertEquals(2.0, r.byOperation().get(Operation.UNWRAP).max(), 0.002);
        assertEquals(2.0, r.overall().max(), 0.002);
    }

    @Test
    void jsonIsOneObjectWithEscapedStrings() {
        String json = ReportFormat.json(sample());
        assertTrue(json.startsWith("{\"settings\":{\"label\":\"a \\\"quoted\\\"\\nlabel\",\"mode\":\"closed-loop\","
                + "\"concurrency\":64,\"rate\":1500.500},\"seconds\":2.000,\"throughput\":500.500,"
                + "\"successes\":1001,\"errors\":3,"
                + "\"unmeasured\":{\"setupSuccesses\":0,\"warmupSuccesses\":0,\"warmupErrors\":0},\"acknowledged\":1001,"
                + "\"errorsByReason\":{\"unwrap:FAILED_PRECONDITION/KEY_DISABLED\":2,\"wrap:UNAVAILABLE\":1},"
                + "\"latencyMs\":{\"count\":1001,"), json);
        assertTrue(json.contains("\"latencyMsByOperation\":{\"wrap\":{\"count\":1000,"), json);
        assertTrue(json.contains("\"p99.9\":"), json);
        assertTrue(json.endsWith("}}}"), json);
        assertEquals(json.chars().filter(c -> c == '{').count(), json.chars().filter(c -> c == '}').count());
    }

    @Test
    void cpuPerCallIsInTheJsonAndTheText() {
        Report plain = sample();
        Report withCpu = new Report(plain.settings(), plain.seconds(), plain.successes(), plain.errors(),
                plain.errorsByReason(), plain.overall(), plain.byOperation(), plain.unmeasured(),
                new Report.Cpu(0.1001, null, 0.02002, null));
        String json = ReportFormat.json(withCpu);
        assertTrue(json.endsWith(",\"cpu\":{\"loadToolSeconds\":0.100,\"loadToolMicrosPerCall\":100.000,"
                + "\"serverSeconds\":null,\"serverMicrosPerCall\":null,\"loadToolSystemMicrosPerCall\":20.000,"
                + "\"serverSystemMicrosPerCall\":null}}"), json);
        assertTrue(ReportFormat.text(withCpu).contains("cpu:           load tool 0.05 cores, 100.0 µs/call"),
                ReportFormat.text(withCpu));
        Report both = new Report(plain.settings(), plain.seconds(), plain.successes(), plain.errors(),
                plain.errorsByReason(), plain.overall(), plain.byOperation(), plain.unmeasured(),
                new Report.Cpu(0.1001, 1.001, 0.02, 0.5));
        assertTrue(ReportFormat.text(both).contains(", server 0.50 cores, 1000.0 µs/call"), ReportFormat.text(both));
        assertTrue(!ReportFormat.json(plain).contains("\"cpu\""), ReportFormat.json(plain));
    }

    @Test
    void textHasATableAndTheFailures() {
        String text = ReportFormat.text(sample());
        assertTrue(text.contains("throughput:    501 calls/s (1,001 ok, 3 failed)"), text);
        assertTrue(text.contains("latency (ms)"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("wrap ") && l.contains(" 1000 ")), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("all ")), text);
        assertTrue(text.contains("unwrap:FAILED_PRECONDITION/KEY_DISABLED"), text);
    }

    @Test
    void progressLineShowsRateErrorsAndP99() {
        FakeClock clock = new FakeClock(0);
        LatencyRecorder recorder = new LatencyRecorder();
        ProgressPrinter printer = ProgressPrinter.start(recorder, System.err, clock, 0);
        for (int i = 0; i < 500; i++) {
            recorder.success(Operation.WRAP, 3_000_000L);
        }
        recorder.failure(Operation.WRAP, "UNAVAILABLE");
        clock.advance(500_000_000L);
        String line = printer.line(recorder.snapshot(), clock.nanoTime());
        printer.close();
        assertEquals("[  0.5s]     1,002 calls/s  ok 500  errors 1  p99 so far 3.001 ms", line);
    }
}
