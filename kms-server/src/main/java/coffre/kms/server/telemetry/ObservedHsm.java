package coffre.kms.server.telemetry;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;
import coffre.hsm.HsmInfo;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The HSM as the operators see it: every operation timed per HSM and operation, its failures
 * counted by {@link coffre.hsm.HsmErrorKind}, and, inside a traced call, a child span
 * {@code hsm <operation>}. Everything else is the wrapped HSM's; closing this closes it.
 */
public final class ObservedHsm implements Hsm {
    /** HSM operations take from tens of microseconds (SoftHSM) to seconds (a network HSM timing out). */
    private static final Duration[] BUCKETS = {Duration.ofNanos(50_000), Duration.ofNanos(100_000),
            Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(5)};

    /** The operations, as the {@code operation} label says them. */
    enum Operation {
        GENERATE_KEY, FIND_KEY, ENCRYPT, DECRYPT, GENERATE_MAC_KEY, IMPORT_MAC_KEY, FIND_MAC_KEY, HMAC,
        GENERATE_KEY_PAIR, FIND_KEY_PAIR, RSA_OAEP_DECRYPT, SIGN, RANDOM, DESTROY_KEY, DESCRIBE_KEY, HEALTH;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private final Hsm hsm;
    private final MeterRegistry registry;
    private final Tracer tracer;
    private final String name;
    private final Map<Operation, Timer> timers = new EnumMap<>(Operation.class);
    private final Map<String, Counter> errors = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param name   the {@code hsm} label: the operator's name for this HSM (a handful per node)
     * @param tracer null when tracing is off
     */
    public ObservedHsm(Hsm hsm, String name, MeterRegistry registry, Tracer tracer) {
        this.hsm = hsm;
        this.name = name;
        this.registry = registry;
        this.tracer = tracer;
        for (Operation operation : Operation.values()) {
            timers.put(operation, Timer.builder("coffre.hsm.operation.duration")
                    .description("HSM operations, failed ones included")
                    .tags("hsm", name, "operation", operation.label)
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry));
        }
    }

    /** The wrapped HSM. */
    public Hsm delegate() {
        return hsm;
    }

    private <T> T observe(Operation operation, Supplier<T> work) {
        Span span = tracer != null && Span.current().isRecording()
                ? tracer.spanBuilder("hsm " + operation.label).setAttribute(SpanAttributes.HSM, name).startSpan()
                : null;
        long start = System.nanoTime();
        try (Scope ignored = span == null ? Scope.noop() : span.makeCurrent()) {
            return work.get();
        } catch (HsmException e) {
            failed(operation, e.kind().name(), span);
            throw e;
        } catch (RuntimeException | Error e) {
            failed(operation, "INTERNAL", span);
            throw e;
        } finally {
            timers.get(operation).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (span != null) {
                span.end();
            }
        }
    }

    private void failed(Operation operation, String kind, Span span) {
        errors.computeIfAbsent(operation.label + ' ' + kind, ignored -> Counter.builder("coffre.hsm.operation.errors")
                        .description("HSM operations failed, by kind of failure")
                        .tags("hsm", name, "operation", operation.label, "kind", kind)
                        .register(registry))
                .increment();
        if (span != null) {
            span.setStatus(StatusCode.ERROR, kind);
        }
    }

    @Override
    public HsmKeyRef generateKey(String label, LabelCheck check) {
        return observe(Operation.GENERATE_KEY, () -> hsm.generateKey(label, check));
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        return observe(Operation.FIND_KEY, () -> hsm.findKey(label));
    }

    @Override
    public Map<String, HsmKeyRef> findKeys(Collection<String> labels) {
        return observe(Operation.FIND_KEY, () -> hsm.findKeys(labels));
    }

    @Override
    public GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext) {
        return observe(Operation.ENCRYPT, () -> hsm.encrypt(key, aad, plaintext));
    }

    @Override
    public byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        return observe(Operation.DECRYPT, () -> hsm.decrypt(key, iv, aad, ciphertextAndTag));
    }

    @Override
    public HsmKeyRef generateMacKey(String label) {
        return observe(Operation.GENERATE_MAC_KEY, () -> hsm.generateMacKey(label));
    }

    @Override
    public HsmKeyRef importMacKey(String label, byte[] value) {
        return observe(Operation.IMPORT_MAC_KEY, () -> hsm.importMacKey(label, value));
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        return observe(Operation.FIND_MAC_KEY, () -> hsm.findMacKey(label));
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        return observe(Operation.HMAC, () -> hsm.hmacSha256(macKey, data));
    }

    @Override
    public HsmKeyPair generateKeyPair(String label, KeyPairSpec spec, KeyPairUsage usage, LabelCheck check) {
        return observe(Operation.GENERATE_KEY_PAIR, () -> hsm.generateKeyPair(label, spec, usage, check));
    }

    @Override
    public Optional<HsmKeyPair> findKeyPair(String label) {
        return observe(Operation.FIND_KEY_PAIR, () -> hsm.findKeyPair(label));
    }

    @Override
    public Map<String, HsmKeyPair> findKeyPairs(Collection<String> labels) {
        return observe(Operation.FIND_KEY_PAIR, () -> hsm.findKeyPairs(labels));
    }

    @Override
    public byte[] rsaOaepDecrypt(HsmKeyRef privateKey, byte[] ciphertext) {
        return observe(Operation.RSA_OAEP_DECRYPT, () -> hsm.rsaOaepDecrypt(privateKey, ciphertext));
    }

    @Override
    public byte[] signDigest(HsmKeyRef privateKey, SignatureScheme scheme, byte[] digest) {
        return observe(Operation.SIGN, () -> hsm.signDigest(privateKey, scheme, digest));
    }

    @Override
    public byte[] randomBytes(int length) {
        return observe(Operation.RANDOM, () -> hsm.randomBytes(length));
    }

    @Override
    public boolean destroyKey(String label) {
        return observe(Operation.DESTROY_KEY, () -> hsm.destroyKey(label));
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        return observe(Operation.DESCRIBE_KEY, () -> hsm.describeKey(label));
    }

    @Override
    public HsmHealth health() {
        return observe(Operation.HEALTH, hsm::health);
    }

    @Override
    public HsmInfo info() {
        return hsm.info();
    }

    /** The observed HSM's, unobserved: read from memory by the HSM gauges ({@link HsmMeters}). */
    @Override
    public java.util.Optional<coffre.hsm.HsmStats> stats() {
        return hsm.stats();
    }

    @Override
    public void close() {
        hsm.close();
    }
}
