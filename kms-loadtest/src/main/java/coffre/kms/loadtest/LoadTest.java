package coffre.kms.loadtest;

import coffre.kms.client.CoffreClient;
import coffre.kms.client.Endpoints;
import coffre.kms.client.TlsMaterialException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code coffre-loadtest}: drives Coffre's {@code CryptoService} over mTLS gRPC, or its AWS XKS
 * proxy API over SigV4-signed HTTPS ({@code --protocol xks}), at a fixed concurrency (closed loop)
 * or a fixed rate (open loop, latency from each call's intended start), prints a progress line per
 * second and a final report (text, or JSON with {@code --json}). Both protocols share the drivers,
 * the histograms and the report; each has its own connection options, refused with the other.
 */
@Command(name = "coffre-loadtest", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load generator for Coffre's CryptoService (wrap, unwrap, generate-data-key, rewrap; "
                + "asymmetric-decrypt and sign with RSA or EC keys) and, with "
                + "--protocol xks, its AWS XKS proxy API (xks-encrypt, xks-decrypt, xks-metadata, xks-health).",
                "XKS mode: --xks-uri, --xks-region, --xks-secret-file, --xks-access-key-id and --xks-key-id say where "
                + "and as whom; --ca-cert is optional (default: the JVM's trusted CAs), --cert/--key only for mTLS; "
                + "--payload-size is the plaintext, --context-size the additionalAuthenticatedData; --envelopes the "
                + "ciphertexts encrypted before an xks-decrypt run."},
        footer = {"", "Exit codes: 0 run completed; 1 the run could not be made (preparation failed, or no call "
                + "succeeded); 2 bad arguments."})
public final class LoadTest implements Callable<Integer> {
    /** Options that only the gRPC mode reads: refused with --protocol xks rather than ignored. */
    private static final List<String> GRPC_ONLY = List.of("--endpoint", "--channels", "--authority", "--key-id",
            "--keys-file", "--data-key-length");

    @Spec
    CommandSpec spec;

    @Option(names = "--protocol", paramLabel = "grpc|xks", converter = Protocol.Converter.class,
            description = "grpc (default): CryptoService over mTLS gRPC; xks: the AWS XKS proxy API over SigV4-signed "
                    + "HTTPS to the node's XKS listener (the --xks-* options)")
    Protocol protocol = Protocol.GRPC;

    @Option(names = "--endpoint", paramLabel = "HOST:PORT[,HOST:PORT...]", description = "server address; for a "
            + "cluster every node, comma-separated or repeated: each channel connects to every node, calls go "
            + "round-robin over the nodes that are up and are retried on another after UNAVAILABLE or CANCELLED "
            + "(a node cut the call). Default: 127.0.0.1:8443")
    List<String> endpoints = new ArrayList<>();

    @Option(names = "--ca-cert", paramLabel = "PEM", description = "CA that signed the server certificate "
            + "(required for gRPC; XKS default: the JVM's trusted CAs)")
    Path caCert;

    @Option(names = "--cert", paramLabel = "PEM", description = "client certificate (its principal calls the keys; "
            + "required for gRPC, for XKS only when the listener asks for mTLS)")
    Path cert;

    @Option(names = {"--key", "--client-key"}, paramLabel = "PEM",
            description = "client private key, unencrypted PKCS#8 PEM (with --cert)")
    Path key;

    @Option(names = "--authority", description = "TLS/HTTP authority to expect instead of the endpoint's host")
    String authority;

    @Option(names = "--channels", defaultValue = "1", description = "gRPC channels, each with one HTTP/2 connection "
            + "per endpoint (default ${DEFAULT-VALUE})")
    int channelsPerEndpoint;

    @Option(names = {"--op", "--mix"}, paramLabel = "MIX", description = "operation, or weighted mix: "
            + "wrap | unwrap | generate-data-key (datakey) | rewrap | e.g. wrap=70,unwrap=25,rewrap=5 (default wrap); "
            + "asymmetric-decrypt (the keys are RSA ENCRYPT_DECRYPT keys: the payload is encrypted to each key's "
            + "public key before the run) | sign (SIGN_VERIFY keys: the payload is the message); "
            + "with --protocol xks: xks-encrypt | xks-decrypt | xks-metadata | xks-health | e.g. "
            + "xks-encrypt=1,xks-decrypt=1 (default xks-encrypt)")
    String mix;

    @ArgGroup(exclusive = true)
    Load load = new Load();

    static final class Load {
        @Option(names = {"-c", "--concurrency"}, paramLabel = "N", description = "closed loop: calls in flight (default 64)")
        Integer concurrency;

        @Option(names = "--rate", paramLabel = "CALLS/S", description = "open loop: calls started per second; latency "
                + "counts from each call's intended start (coordinated-omission corrected)")
        Double rate;
    }

    @Option(names = "--max-in-flight", defaultValue = "10000", description = "open loop: most calls in flight before "
            + "the generator waits (the wait counts in latency; default ${DEFAULT-VALUE})")
    int maxInFlight;

    @ArgGroup(exclusive = true)
    Limit limit = new Limit();

    static final class Limit {
        @Option(names = {"-d", "--duration"}, converter = DurationConverter.class,
                description = "how long to measure, e.g. 30s, 2m (default 10s)")
        Duration duration;

        @Option(names = {"-n", "--calls"}, description = "how many calls to measure")
        Long calls;
    }

    @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class,
            description = "unmeasured load before measuring, same settings (default ${DEFAULT-VALUE}; 0s: none)")
    Duration warmup;

    @Option(names = "--payload-size", defaultValue = "32", description = "wrap plaintext bytes; XKS: the encrypt "
            + "plaintext, 1-4300 (default ${DEFAULT-VALUE})")
    int payloadBytes;

    @Option(names = "--context-size", defaultValue = "32", description = "encryption-context bytes, keys+values, "
            + "split into pairs of <= 64 characters; XKS: additionalAuthenticatedData bytes, 0-8192 (default "
            + "${DEFAULT-VALUE})")
    int contextBytes;

    @Option(names = "--data-key-length", defaultValue = "32", description = "generate-data-key length: 16, 24, 32 or 64 "
            + "(default ${DEFAULT-VALUE})")
    int dataKeyBytes;

    @Option(names = "--key-id", paramLabel = "ID", description = "key id or alias/NAME; repeat for several")
    List<String> keyIds = new ArrayList<>();

    @Option(names = "--keys-file", paramLabel = "FILE", description = "key ids, one per line (# comments allowed)")
    Path keysFile;

    @Option(names = "--envelopes", description = "envelopes made before an unwrap/rewrap run, or ciphertexts "
            + "before an xks-decrypt run (default: the number of keys, at least 1000)")
    Integer envelopes;

    @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "deadline of each call (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--progress-interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "progress line period on stderr (default ${DEFAULT-VALUE}; 0s: none)")
    Duration progressInterval;

    @Option(names = "--label", description = "a name for this run, copied into the report")
    String label;

    @Option(names = "--json", description = "print the report as one JSON object")
    boolean json;

    @Option(names = "--envelope-cache", paramLabel = "MAX-AGE,MAX-MESSAGES", converter = EnvelopeCacheOption.Converter.class,
            description = "after the report, seal records with CoffreEnvelope (the first key, -c threads, the same limit) "
            + "without and with CachingDataKeys of these bounds, e.g. 5m,1000; prints records/s and KMS calls")
    EnvelopeCacheOption envelopeCache;

    @Option(names = "--server-pid", paramLabel = "PID", description = "also measure the CPU time of process PID "
            + "(the server, on this machine) during the measured run; the load tool's own is always measured")
    Long serverPid;

    @Mixin
    XksOptions xks = new XksOptions();

    private PrintStream out = System.out;
    private PrintStream err = System.err;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new LoadTest());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("error: " + e.getMessage());
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        refuseOptionsOfTheOtherProtocol();
        OperationMix operations = operations();
        if (protocol == Protocol.XKS) {
            return callXks(operations);
        }
        if (caCert == null || cert == null || key == null) {
            throw new IllegalArgumentException("gRPC calls need --ca-cert, --cert and --key (mTLS)");
        }
        if (channelsPerEndpoint < 1) {
            throw new IllegalArgumentException("--channels must be at least 1");
        }
        Endpoints parsed = endpoints(endpoints);
        ChannelPool channels;
        try {
            channels = ChannelPool.tls(parsed, channelsPerEndpoint, caCert, cert, key, authority);
        } catch (TlsMaterialException e) {
            // Its message names the three files and the problem, as the CLI's does.
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        try (channels) {
            return run(channels, parsed.toString());
        }
    }

    /** A run speaks one protocol: the other's options would be silently ignored, so they are refused. */
    private void refuseOptionsOfTheOtherProtocol() {
        if (spec == null) {
            return; // built without picocli (tests of run()): nothing was parsed
        }
        List<String> given = new ArrayList<>();
        for (CommandLine.Model.OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
            String name = option.longestName();
            boolean xksOption = name.startsWith(XksOptions.PREFIX);
            if (protocol == Protocol.XKS ? GRPC_ONLY.contains(name) : xksOption) {
                given.add(name);
            }
        }
        if (!given.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", given) + (protocol == Protocol.XKS
                    ? (given.size() == 1 ? " is" : " are") + " for --protocol grpc: XKS calls go to --xks-uri, to the "
                    + "external keys of --xks-key-id"
                    : " need" + (given.size() == 1 ? "s" : "") + " --protocol xks"));
        }
    }

    /** The mix of {@code --op}, its default depending on the protocol, checked against it. */
    private OperationMix operations() {
        String text = mix != null ? mix : protocol == Protocol.XKS ? "xks-encrypt" : "wrap";
        return OperationMix.parse(text).requireProtocol(protocol);
    }

    private int callXks(OperationMix operations) throws IOException, InterruptedException {
        XksOptions.Settings settings = xks.settings(operations, caCert, cert, key);
        XksBodies bodies = new XksBodies(settings.keyIds(), settings.region(), payloadBytes, contextBytes,
                settings.integrityValue(), new SecureRandom());
        XksSigner signer = new XksSigner(settings.endpoint(), settings.credential(), settings.region(),
                Clock.systemUTC());
        try (XksClient client = XksClient.open(settings.endpoint(), signer, settings.caCert(), settings.cert(),
                settings.key(), settings.http2(), settings.connections(), timeout.toMillis())) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("connections", settings.connections());
            return run(operations, settings.endpoint().toString(), bodies.keyCount(), extra,
                    XksCallSender.preparation(client, settings.endpoint(), bodies, operations,
                            envelopeCount(bodies.keyCount()), settings.http2(), err));
        }
    }

    /**
     * The nodes of every {@code --endpoint} value (each {@code host:port} or a comma-separated list),
     * in order, as the CLI reads its repeated flags (one comma list; {@link Endpoints#parse} names an
     * empty entry); 127.0.0.1:8443 when none is given.
     *
     * @throws IllegalArgumentException naming the bad entry, or a node given twice
     */
    static Endpoints endpoints(List<String> values) {
        return Endpoints.parse(values.isEmpty() ? "127.0.0.1:8443" : String.join(",", values));
    }

    /** Runs against the given channels; {@code target} only names them in the report. */
    int run(ChannelPool channels, String target) throws IOException, InterruptedException, TlsMaterialException {
        OperationMix operations = operations();
        List<String> keys = keys();
        if (channelsPerEndpoint < 1) {
            throw new IllegalArgumentException("--channels must be at least 1");
        }
        if (!List.of(16, 24, 32, 64).contains(dataKeyBytes)) {
            throw new IllegalArgumentException("--data-key-length must be 16, 24, 32 or 64, got " + dataKeyBytes);
        }
        Workload workload = new Workload(keys, payloadBytes, contextBytes, dataKeyBytes, new SecureRandom());
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("channels", channels.size());
        int exit = run(operations, target, keys.size(), extra, timeoutMillis -> {
            EnvelopePool pool = null;
            if (operations.needsEnvelopes()) {
                int count = envelopeCount(keys.size());
                err.printf("preparing %,d envelopes for unwrap/rewrap...%n", count);
                pool = EnvelopePool.make(channels, workload, count, Math.max(timeoutMillis, 60_000));
            }
            RsaCiphertextPool rsa = null;
            if (operations.needsRsaCiphertexts()) {
                int count = envelopeCount(keys.size());
                err.printf("preparing %,d RSA-OAEP ciphertexts for asymmetric-decrypt...%n", count);
                rsa = RsaCiphertextPool.make(channels, workload, count, Math.max(timeoutMillis, 60_000));
            }
            int setupCalls = (pool == null ? 0 : pool.size()) + (rsa == null ? 0 : rsa.keys());
            return new Preparation.Prepared(new GrpcCallSender(channels, workload, pool, rsa, timeoutMillis),
                    setupCalls, Map::of);
        });
        return envelopeCache == null ? exit : Math.max(exit, envelopeScenario(channels, keys.get(0)));
    }

    private RunLimit measuredLimit() {
        return limit.calls != null ? RunLimit.ofCalls(limit.calls)
                : RunLimit.ofDuration(limit.duration != null ? limit.duration : Duration.ofSeconds(10));
    }

    private int envelopeScenario(ChannelPool channels, String keyId) throws InterruptedException, TlsMaterialException {
        // Not closed: the channel stays the pool's, which closes it (the factory opens nothing).
        CoffreClient client = CoffreClient.builder().endpoints(endpoints(endpoints)).tls(caCert, cert, key)
                .deadline(timeout).channelFactory(settings -> channels.next()).build();
        int threads = load.concurrency != null ? load.concurrency : 64;
        RunLimit measured = measuredLimit();
        err.printf("envelope scenario: sealing records without, then with, a data-key cache (%s)...%n", envelopeCache);
        List<EnvelopeScenario.Phase> phases = new EnvelopeScenario(client, keyId, payloadBytes, threads, measured)
                .run(envelopeCache);
        EnvelopeScenario.print(phases, payloadBytes, threads, json, out);
        out.flush();
        return phases.stream().allMatch(p -> p.records() > 0) ? 0 : 1;
    }

    private int envelopeCount(int keyCount) {
        return envelopes != null ? envelopes : Math.min(100_000, Math.max(1000, keyCount));
    }

    /**
     * Prepares, warms up, measures and prints the report.
     *
     * @param connectionSettings how the calls travel (channels or connections), for the report
     */
    private int run(OperationMix operations, String target, int keyCount, Map<String, Object> connectionSettings,
                    Preparation preparation) throws InterruptedException {
        long timeoutMillis = timeout.toMillis();
        if (serverPid != null) {
            CpuMeter.running(serverPid);
        }
        Preparation.Prepared prepared = preparation.prepare(timeoutMillis);
        CallSender sender = prepared.sender();
        RunLimit measured = measuredLimit();

        LatencyRecorder warm = new LatencyRecorder();
        if (!warmup.isZero()) {
            err.printf("warming up for %s...%n", warmup);
            phase(sender, operations, RunLimit.ofDuration(warmup), warm, timeoutMillis);
        }
        LatencyRecorder.Snapshot warmed = warm.snapshot();
        Report.Unmeasured unmeasured = new Report.Unmeasured(prepared.setupCalls(), warmed.successes(),
                warmed.errors());
        LatencyRecorder recorder = new LatencyRecorder();
        CpuMeter cpu = CpuMeter.start(serverPid);
        long start = System.nanoTime();
        boolean drained;
        ProgressPrinter progress = ProgressPrinter.start(recorder, err, NanoClock.SYSTEM, progressInterval.toMillis());
        try {
            drained = phase(sender, operations, measured, recorder, timeoutMillis);
        } finally {
            progress.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Report.Cpu cpuUsed = cpu.stop();
        if (!drained) {
            err.println("warning: calls still in flight after the drain timeout; they are not in the report");
        }
        Map<String, Object> settings = settings(operations, keyCount, connectionSettings, target, measured);
        settings.putAll(prepared.lateSettings().get());
        Report report = Report.of(settings, seconds, recorder.snapshot(), unmeasured, cpuUsed);
        out.println(json ? ReportFormat.json(report) : ReportFormat.text(report));
        out.flush();
        return report.successes() > 0 ? 0 : 1;
    }

    private boolean phase(CallSender sender, OperationMix operations, RunLimit runLimit, LatencyRecorder recorder,
                          long timeoutMillis) throws InterruptedException {
        if (load.rate != null) {
            return new OpenLoopDriver(sender, operations, NanoClock.SYSTEM)
                    .run(load.rate, maxInFlight, runLimit, recorder, timeoutMillis + 1000);
        }
        int concurrency = load.concurrency != null ? load.concurrency : 64;
        return new ClosedLoopDriver(sender, operations, NanoClock.SYSTEM)
                .run(concurrency, runLimit, recorder, timeoutMillis + 1000);
    }

    private Map<String, Object> settings(OperationMix operations, int keyCount, Map<String, Object> connections,
                                         String target, RunLimit measured) {
        Map<String, Object> s = new LinkedHashMap<>();
        if (label != null) {
            s.put("label", label);
        }
        s.put("protocol", protocol.cliName());
        s.put("target", target);
        s.putAll(connections);
        s.put("mix", operations.toString());
        if (load.rate != null) {
            s.put("mode", "open-loop");
            s.put("rate", load.rate);
            s.put("maxInFlight", maxInFlight);
        } else {
            s.put("mode", "closed-loop");
            s.put("concurrency", load.concurrency != null ? load.concurrency : 64);
        }
        s.put("limit", measured.toString());
        s.put("keys", keyCount);
        s.put("payloadBytes", payloadBytes);
        s.put("contextBytes", contextBytes);
        return s;
    }

    private List<String> keys() throws IOException {
        List<String> keys = new ArrayList<>(keyIds);
        if (keysFile != null) {
            for (String line : Files.readAllLines(keysFile, StandardCharsets.UTF_8)) {
                String id = line.strip();
                if (!id.isEmpty() && !id.startsWith("#")) {
                    keys.add(id);
                }
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no key: give --key-id (repeatable) or --keys-file");
        }
        return keys;
    }

    /** For tests: where the report and the progress lines go. */
    LoadTest withOutput(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
        return this;
    }
}
