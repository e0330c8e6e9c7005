package coffre.hsm.pkcs11;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;
import coffre.hsm.HsmInfo;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyRef;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.ProviderException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * An {@link Hsm} that notices when its PKCS#11 module fails, fails fast while it is down, and
 * re-initialises it in the background without a restart.
 *
 * <p>Why: a module that has lost its token (a device error, a network HSM gone, SoftHSM's token
 * directory taken away) may never see it again in this process, and SunPKCS11 offers no
 * {@code C_Finalize}/{@code C_Initialize}. Recovery therefore opens a <em>new</em>
 * {@link Pkcs11Hsm} over a fresh byte copy of the library ({@link LibraryCopies}) and swaps it in.
 *
 * <p>How it decides, and who waits:
 * <ul>
 *   <li>A device-class failure ({@link CkrErrorMapper#isDeviceFault}) marks the module down at once
 *       ({@link HsmAvailability}). Any other {@link HsmErrorKind#UNAVAILABLE} failure (a broken
 *       session, which the module has already evicted; a pool or lock deadline) asks for a probe of
 *       the token, and only a failed probe marks the module down.</li>
 *   <li>A background probe checks the token every {@code hsm.probeInterval} even when no call fails:
 *       session-object key copies live in the module's memory and SoftHSM keeps serving them after
 *       its token files are gone, so without the probe such a loss would go unnoticed while key
 *       creation and MACs fail.</li>
 *   <li>While down, every call fails at once with {@code UNAVAILABLE}, and {@link #health()} answers
 *       from the breaker's state without touching the HSM. One background thread (of this instance,
 *       never shared) first probes the current module again — a stall that ended or an evicted
 *       session needs no new module — then opens a new one, retrying with a backoff.</li>
 *   <li>A health probe that has not answered within {@code hsm.operationTimeout} marks the module
 *       down too: the HSM stalls. Callers inside a stalled PKCS#11 call cannot be interrupted;
 *       everyone else fails fast, and the server's own deadline answers the stalled callers.</li>
 * </ul>
 *
 * <p>References it hands out name keys by label and kind and are resolved against the current
 * module on use, so every holder (the key registry) recovers at once; a key found missing on a
 * healthy token is {@code UNAVAILABLE} for that key only and does not cause re-initialisations.
 * The replaced module is closed after {@code hsm.operationTimeout}, so calls still inside it can
 * finish; a call that does fail because its module was replaced under it gets {@code UNAVAILABLE}.
 * Each re-initialisation leaves the old library copy loaded (a JVM cannot unload it).
 */
public final class RecoveringHsm implements Hsm {
    private static final System.Logger LOG = System.getLogger(RecoveringHsm.class.getName());

    /** Opens generation {@code n} of the module (0 at start, then 1, 2, ... for each re-initialisation). */
    interface ModuleOpener extends AutoCloseable {
        Hsm open(long generation);

        /** How many library copies were loaded for good so far (each keeps memory). */
        default int loadedCopies() {
            return 0;
        }

        /** Whether no further module may be loaded (the node must be restarted). */
        default boolean exhausted() {
            return false;
        }

        @Override
        default void close() {
        }
    }

    /** A key reference of this instance: a label and a kind, resolved per module generation. */
    private static final class Ref implements HsmKeyRef {
        private final RecoveringHsm owner;
        private final String label;
        private final boolean mac;
        private volatile boolean destroyed;

        private Ref(RecoveringHsm owner, String label, boolean mac) {
            this.owner = owner;
            this.label = label;
            this.mac = mac;
        }

        @Override
        public String label() {
            return label;
        }

        @Override
        public String toString() {
            return "HsmKeyRef[" + label + (mac ? ", HMAC" : "") + (destroyed ? ", destroyed" : "") + "]";
        }
    }

    private record Generation(long number, Hsm hsm, ConcurrentHashMap<Ref, HsmKeyRef> resolved) {
    }

    private final ModuleOpener opener;
    private final HsmTimeouts timeouts;
    private final HsmAvailability availability;
    private final ScheduledExecutorService background;
    private final ConcurrentHashMap<String, Ref> refs = new ConcurrentHashMap<>();
    private final AtomicBoolean probeQueued = new AtomicBoolean();
    private final AtomicBoolean recoveryScheduled = new AtomicBoolean();
    private final List<Hsm> retired = new ArrayList<>();
    private volatile long probeStartedNanos;
    private volatile Generation current;
    private volatile boolean closed;

    private RecoveringHsm(ModuleOpener opener, HsmTimeouts timeouts) {
        this.opener = opener;
        this.timeouts = timeouts;
        this.availability = new HsmAvailability(timeouts.reinitInterval(), HsmTimeouts.MAX_REINIT_BACKOFF,
                InstantSource.system());
        this.current = new Generation(0, opener.open(0), new ConcurrentHashMap<>());
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "coffre-hsm-watch");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.background = executor;
        long probeNanos = timeouts.probeInterval().toNanos();
        background.scheduleWithFixedDelay(this::periodicProbe, probeNanos, probeNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Opens {@code config} (its {@link Pkcs11HsmConfig#timeouts()} apply); each re-initialisation
     * loads a fresh copy of its library from {@code copies}, a directory private to this process.
     * The first module uses the configured library itself.
     *
     * @throws HsmException when the first module cannot be opened (the server must not start)
     */
    public static RecoveringHsm open(Pkcs11HsmConfig config, Path copies) {
        return new RecoveringHsm(copyingOpener(config, copies, false), config.timeouts());
    }

    /** For tests: modules come from {@code opener}, called with 0, then 1, 2, ... for each re-initialisation. */
    static RecoveringHsm open(ModuleOpener opener, HsmTimeouts timeouts) {
        return new RecoveringHsm(opener, timeouts);
    }

    /**
     * Opens generation {@code n} of {@code config}'s module: over the configured library for n = 0
     * (unless {@code copyFirst}), else over a copy from {@link LibraryCopies} in {@code dir}.
     */
    static ModuleOpener copyingOpener(Pkcs11HsmConfig config, Path dir, boolean copyFirst) {
        LibraryCopies copies = new LibraryCopies(config.resolvedLibrary(), dir, LibraryCopies.MAX_LOADED);
        return new ModuleOpener() {
            @Override
            public Hsm open(long generation) {
                if (generation == 0 && !copyFirst) {
                    return Pkcs11Hsm.open(config);
                }
                Path copy = copies.pending();
                try {
                    // C_Initialize alone first: if it fails, nothing stays loaded and the copy is reused.
                    Pkcs11Native.connect(copy);
                } catch (ProviderException e) {
                    throw CkrErrorMapper.map(e, "initialise the PKCS#11 module");
                }
                try {
                    return Pkcs11Hsm.open(config.withLibrary(copy));
                } finally {
                    copies.spent();
                }
            }

            @Override
            public int loadedCopies() {
                return copies.loaded();
            }

            @Override
            public boolean exhausted() {
                return copies.exhausted();
            }

            @Override
            public void close() {
                copies.close();
            }
        };
    }

    /** How many times the module was re-initialised. */
    public long reopenCount() {
        return current.number();
    }

    /** The breaker's state (for tests). */
    HsmAvailability.Snapshot availability() {
        return availability.snapshot();
    }

    // ---- the port ----

    @Override
    public HsmKeyRef generateKey(String label, LabelCheck check) {
        return call(g -> {
            HsmKeyRef made = g.hsm().generateKey(label, check);
            Ref ref = ref(label, false);
            g.resolved().put(ref, made);
            return ref;
        });
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        return call(g -> g.hsm().findKey(label).map(found -> {
            Ref ref = ref(label, false);
            g.resolved().put(ref, found);
            return ref;
        }));
    }

    @Override
    public Map<String, HsmKeyRef> findKeys(Collection<String> labels) {
        return call(g -> {
            Map<String, HsmKeyRef> refs = new LinkedHashMap<>();
            g.hsm().findKeys(labels).forEach((label, found) -> {
                Ref ref = ref(label, false);
                g.resolved().put(ref, found);
                refs.put(label, ref);
            });
            return refs;
        });
    }

    @Override
    public GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext) {
        Ref ref = own(key);
        return call(g -> g.hsm().encrypt(resolve(g, ref), aad, plaintext));
    }

    @Override
    public byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        Ref ref = own(key);
        return call(g -> g.hsm().decrypt(resolve(g, ref), iv, aad, ciphertextAndTag));
    }

    @Override
    public HsmKeyRef generateMacKey(String label) {
        return call(g -> {
            HsmKeyRef made = g.hsm().generateMacKey(label);
            Ref ref = ref(label, true);
            g.resolved().put(ref, made);
            return ref;
        });
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        return call(g -> g.hsm().findMacKey(label).map(found -> {
            Ref ref = ref(label, true);
            g.resolved().put(ref, found);
            return ref;
        }));
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        Ref ref = own(macKey);
        return call(g -> g.hsm().hmacSha256(resolve(g, ref), data));
    }

    @Override
    public byte[] randomBytes(int length) {
        return call(g -> g.hsm().randomBytes(length));
    }

    @Override
    public boolean destroyKey(String label) {
        return call(g -> {
            boolean destroyed = g.hsm().destroyKey(label);
            Ref ref = refs.remove(label);
            if (ref != null) {
                ref.destroyed = true;
                g.resolved().remove(ref);
            }
            return destroyed;
        });
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        return call(g -> g.hsm().describeKey(label));
    }

    /**
     * While down: the breaker's state, without touching the HSM. While up: a probe of the token,
     * on this instance's background thread, answered within {@code hsm.operationTimeout} — a probe
     * that takes longer reports unhealthy and marks the module down (the HSM stalls).
     */
    @Override
    public HsmHealth health() {
        if (closed) {
            return new HsmHealth(false, "closed");
        }
        Generation g = current;
        checkStalledProbe(g);
        HsmAvailability.Snapshot s = availability.snapshot();
        if (!s.up()) {
            return new HsmHealth(false, s.describe());
        }
        Future<HsmHealth> probe;
        try {
            probe = background.submit(() -> probeAndTrip(g));
        } catch (RejectedExecutionException e) {
            return new HsmHealth(false, "closed");
        }
        try {
            return probe.get(timeouts.operationTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            probe.cancel(false);
            String reason = "the HSM did not answer a health probe within hsm.operationTimeout ("
                    + timeouts.operationTimeout() + ")";
            trip(g, reason);
            return new HsmHealth(false, reason);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new HsmHealth(false, "interrupted while probing the HSM");
        } catch (ExecutionException e) {
            return new HsmHealth(false, "HSM probe failed: " + e.getCause().getClass().getSimpleName());
        }
    }

    @Override
    public HsmInfo info() {
        return current.hsm().info();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        background.shutdownNow();
        List<Hsm> toClose;
        synchronized (retired) {
            toClose = new ArrayList<>(retired);
            retired.clear();
        }
        toClose.forEach(RecoveringHsm::closeQuietly);
        closeQuietly(current.hsm());
        opener.close();
    }

    @Override
    public String toString() {
        return "RecoveringHsm[generation " + current.number() + ", " + (availability.isUp() ? "up" : "down") + "]";
    }

    // ---- calls ----

    private <T> T call(Function<Generation, T> operation) {
        if (closed) {
            throw new IllegalStateException("this Hsm is closed");
        }
        availability.requireUp();
        Generation g = current;
        try {
            return operation.apply(g);
        } catch (HsmException e) {
            if (g != current && e.kind() != HsmErrorKind.AUTHENTICATION_FAILED && e.kind() != HsmErrorKind.INVALID_REQUEST) {
                throw replaced(e);
            }
            if (e.kind() == HsmErrorKind.UNAVAILABLE) {
                failed(g, e);
            }
            throw e;
        } catch (IllegalStateException e) {
            if (!closed && g != current) {
                // The module was closed under this call after a re-initialisation.
                throw replaced(e);
            }
            throw e;
        }
    }

    private static HsmException replaced(RuntimeException e) {
        return new HsmException(HsmErrorKind.UNAVAILABLE, "the HSM module was re-initialised during the call; retry",
                e instanceof HsmException h ? h.pkcs11Code().orElse(null) : null, e);
    }

    private void failed(Generation g, HsmException e) {
        if (CkrErrorMapper.isDeviceFault(e)) {
            trip(g, "device fault " + e.pkcs11Code().orElse(""));
            return;
        }
        checkStalledProbe(g);
        if (probeQueued.compareAndSet(false, true)) {
            try {
                background.execute(() -> {
                    probeQueued.set(false);
                    if (availability.isUp() && current == g) {
                        probeAndTrip(g);
                    }
                });
            } catch (RejectedExecutionException closing) {
                probeQueued.set(false);
            }
        }
    }

    private Ref ref(String label, boolean mac) {
        return refs.compute(label, (l, old) -> old != null && !old.destroyed && old.mac == mac ? old : new Ref(this, l, mac));
    }

    private Ref own(HsmKeyRef key) {
        Objects.requireNonNull(key, "key");
        if (!(key instanceof Ref ref) || ref.owner != this) {
            throw new IllegalArgumentException("HsmKeyRef " + key + " was not issued by this Hsm");
        }
        return ref;
    }

    /** The current module's reference for {@code ref}, looked up by label on first use in a generation. */
    private HsmKeyRef resolve(Generation g, Ref ref) {
        if (ref.destroyed) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "key '" + ref.label + "' was destroyed");
        }
        HsmKeyRef found = g.resolved().get(ref);
        if (found != null) {
            return found;
        }
        Optional<HsmKeyRef> lookup = ref.mac ? g.hsm().findMacKey(ref.label) : g.hsm().findKey(ref.label);
        // A key handed out before that is not on a token that answers: the token is not the one it
        // should be (or the key was destroyed elsewhere). Never forget the key for that.
        found = lookup.orElseThrow(() -> new HsmException(HsmErrorKind.UNAVAILABLE,
                "key '" + ref.label + "' is not on the token now"));
        HsmKeyRef raced = g.resolved().putIfAbsent(ref, found);
        return raced != null ? raced : found;
    }

    // ---- watching and recovery (background thread) ----

    private void periodicProbe() {
        try {
            if (!closed && availability.isUp()) {
                probeAndTrip(current);
            }
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: keep probing whatever happened.
            LOG.log(Level.WARNING, "HSM probe failed: {0}", e.getClass().getSimpleName());
        }
    }

    /** Probes generation {@code g}; marks it down if the probe fails. Runs on the background thread. */
    private HsmHealth probeAndTrip(Generation g) {
        HsmHealth h = probe(g);
        if (!h.healthy()) {
            trip(g, h.detail());
        }
        return h;
    }

    private HsmHealth probe(Generation g) {
        probeStartedNanos = System.nanoTime() | 1;
        try {
            return g.hsm().health();
        } catch (RuntimeException e) {
            return new HsmHealth(false, "HSM probe failed (" + CkrErrorMapper.ckrName(e).orElse(e.getClass().getSimpleName()) + ")");
        } finally {
            probeStartedNanos = 0;
        }
    }

    /** Marks {@code g} down when a probe has been inside the HSM for longer than the operation timeout. */
    private void checkStalledProbe(Generation g) {
        long started = probeStartedNanos;
        if (started != 0 && System.nanoTime() - started > timeouts.operationTimeout().toNanos()) {
            trip(g, "a health probe has not answered for more than hsm.operationTimeout (" + timeouts.operationTimeout() + ")");
        }
    }

    private void trip(Generation g, String reason) {
        if (availability.markDown(g.number(), reason)) {
            LOG.log(Level.WARNING, "HSM unavailable ({0}); calls fail fast while it is recovered", reason);
            scheduleRecovery(Duration.ZERO);
        }
    }

    private void scheduleRecovery(Duration delay) {
        if (closed || !recoveryScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            background.schedule(this::recover, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            recoveryScheduled.set(false);
        }
    }

    private void recover() {
        recoveryScheduled.set(false);
        if (closed || availability.isUp()) {
            return;
        }
        Generation g = current;
        // A stall that ended, or a session the module evicted, needs no new module (and no new copy).
        HsmHealth again = probe(g);
        if (again.healthy()) {
            availability.markUp(g.number());
            LOG.log(Level.WARNING, "HSM answers again (module generation {0}); no re-initialisation needed", g.number());
            return;
        }
        if (opener.exhausted()) {
            Duration delay = availability.attemptFailed(false, again.detail()
                    + "; re-initialisation stopped after " + opener.loadedCopies() + " library copies: restart the node");
            LOG.log(Level.ERROR, "HSM unavailable and no more library copies may be loaded; restart the node");
            scheduleRecovery(delay.compareTo(HsmTimeouts.MAX_REINIT_BACKOFF) < 0 ? HsmTimeouts.MAX_REINIT_BACKOFF : delay);
            return;
        }
        int loadedBefore = opener.loadedCopies();
        Hsm fresh;
        try {
            fresh = opener.open(g.number() + 1);
        } catch (RuntimeException e) {
            String reason = e instanceof HsmException h
                    ? h.kind() + h.pkcs11Code().map(c -> " " + c).orElse("") + ": " + h.getMessage()
                    : e.getClass().getSimpleName();
            Duration delay = availability.attemptFailed(opener.loadedCopies() > loadedBefore, reason);
            LOG.log(Level.WARNING, "PKCS#11 module still unavailable ({0}); next attempt in {1}", reason, delay);
            scheduleRecovery(delay);
            return;
        }
        if (closed) {
            closeQuietly(fresh);
            return;
        }
        Generation next = new Generation(g.number() + 1, fresh, new ConcurrentHashMap<>());
        current = next;
        availability.markUp(next.number());
        LOG.log(Level.WARNING, "PKCS#11 module re-initialised (generation {0}); calls resume", next.number());
        retire(g.hsm());
    }

    /** Closes a replaced module once calls still inside it had {@code hsm.operationTimeout} to finish. */
    private void retire(Hsm old) {
        synchronized (retired) {
            retired.add(old);
        }
        try {
            background.schedule(() -> {
                synchronized (retired) {
                    retired.remove(old);
                }
                closeQuietly(old);
            }, timeouts.operationTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            synchronized (retired) {
                retired.remove(old);
            }
            closeQuietly(old);
        }
    }

    private static void closeQuietly(Hsm hsm) {
        try {
            hsm.close();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a failed HSM module: {0}", e.getClass().getSimpleName());
        }
    }
}
