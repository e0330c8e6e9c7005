package coffre.kms.loadtest;

import java.util.Map;
import java.util.function.Supplier;

/**
 * What a protocol sets up before a run, once its connections are open: the envelopes (gRPC unwrap,
 * rewrap) or ciphertexts (XKS decrypt) the mix needs, then the {@link CallSender} of the run.
 */
@FunctionalInterface
interface Preparation {
    Prepared prepare(long timeoutMillis) throws InterruptedException;

    /**
     * @param setupCalls   calls made to prepare, acknowledged by the server (counted in the report)
     * @param lateSettings settings known only after the run (e.g. the HTTP versions negotiated)
     */
    record Prepared(CallSender sender, int setupCalls, Supplier<Map<String, Object>> lateSettings) {
    }
}
