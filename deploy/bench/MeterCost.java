package coffre.kms.server.telemetry;

import coffre.kms.server.config.TelemetrySettings;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.CountDownLatch;

/**
 * What the meters cost per call, apart from the rest of a node (docs/performance.md, "Telemetry
 * cost"): a call's start and end (count + latency timer), one timer record (what ObservedHsm adds
 * per HSM operation), and one Vert.x worker task (what every call's executeBlocking pays for the
 * worker-pool meters), each with metrics off (no-op meters, plain Vert.x) and on. Three passes
 * (the first is JIT warm-up). Run from the repository root after a build:
 *
 *   mvn -B -q dependency:build-classpath -pl kms-server -am -Dmdep.outputFile=/tmp/cp.txt
 *   CP="kms-server/target/classes:$(cat /tmp/cp.txt)"; mkdir -p /tmp/metercost
 *   javac -d /tmp/metercost -cp "$CP" deploy/bench/MeterCost.java
 *   java -cp "/tmp/metercost:$CP" coffre.kms.server.telemetry.MeterCost
 *
 * It is in the telemetry package to reach MethodTelemetry.BUCKETS; it is not part of the build.
 */
public class MeterCost {
    public static void main(String[] args) throws Exception {
        for (int pass = 0; pass < 3; pass++) {
            for (boolean on : new boolean[] {false, true}) {
                Telemetry t = Telemetry.open(new TelemetrySettings(new TelemetrySettings.Metrics(on, "127.0.0.1", null, null), null), "x");
                MethodTelemetry m = t.calls().grpc("coffre.kms.v1.CryptoService", "Wrap");
                var timer = io.micrometer.core.instrument.Timer.builder("x").serviceLevelObjectives(MethodTelemetry.BUCKETS).register(t.registry());
                int n = 2_000_000;
                long s = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    ObservedCall c = m.start(System.nanoTime(), name -> null);
                    c.end(ObservedCall.OK, 0);
                }
                long callNs = (System.nanoTime() - s) / n;
                s = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    timer.record(1234 + i % 1000, java.util.concurrent.TimeUnit.MICROSECONDS);
                }
                long timerNs = (System.nanoTime() - s) / n;
                Vertx vertx = VertxMetrics.vertx(t);
                WorkerExecutor w = vertx.createSharedWorkerExecutor("coffre-crypto", 4);
                int tasks = 200_000;
                CountDownLatch done = new CountDownLatch(tasks);
                s = System.nanoTime();
                for (int i = 0; i < tasks; i++) {
                    w.executeBlocking(() -> null, false).onComplete(r -> done.countDown());
                }
                done.await();
                long taskNs = (System.nanoTime() - s) / tasks;
                vertx.close().toCompletionStage().toCompletableFuture().join();
                System.out.printf("pass %d metrics %-5s: call start+end %4d ns, timer.record %4d ns, executeBlocking task %5d ns%n",
                        pass, on, callNs, timerNs, taskNs);
                t.close();
            }
        }
    }
}
