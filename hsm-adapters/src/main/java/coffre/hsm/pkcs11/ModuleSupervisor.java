package coffre.hsm.pkcs11;

import coffre.hsm.Hsm;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;
import coffre.hsm.HsmKeyRef;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The watch over the current PKCS#11 module of one {@link RecoveringHsm}: it decides when the
 * module is down ({@link HsmAvailability}), probes it, and re-initialises it on a background thread
 * of its own (never shared), replacing it by a new {@link Generation}.
 *
 * <p>Why apart from {@link RecoveringHsm}: that class answers the port's calls on whatever
 * generation is current; this one owns the generations, the breaker and the only thread that
 * changes them. The rules (when a failure, a probe or a stall marks the module down, how recovery
 * first probes again and then opens a new module with a backoff, when a replaced module is
 * closed) are described on {@link RecoveringHsm}.
 */
final class ModuleSupervisor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModuleSupervisor.class.getName());

    /**
     * One module and the references of {@link RecoveringHsm} resolved on it (by reference, to the
     * module's own reference).
     */
    record Generation(long number, Hsm hsm, ConcurrentHashMap<HsmKeyRef, HsmKeyRef> resolved) {
        Generation(long number, Hsm hsm) {
            this(number, hsm, new ConcurrentHashMap<>());
        }
    }

    private final ModuleOpener opener;
    private final HsmTimeouts timeouts;
    private final HsmAvailability availability;
    private final ScheduledExecutorService background;
    private final AtomicBoolean probeQueued = new AtomicBoolean();
    private final AtomicBoolean recoveryScheduled = new AtomicBoolean();
    private final List<Hsm> retired = new ArrayList<>();
    private volatile long probeStartedNanos;
    private volatile Generation current;
    private volatile boolean closed;

    /** Opens generation 0 (failures propagate) and starts the periodic probe. */
    ModuleSupervisor(ModuleOpener opener, HsmTimeouts timeouts) {
        this.opener = opener;
        this.timeouts = timeouts;
        this.availability = new HsmAvailability(timeouts.reinitInterval(), HsmTimeouts.MAX_REINIT_BACKOFF,
                InstantSource.system());
        this.current = new Generation(0, opener.open(0));
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

    Generation current() {
        return current;
    }

    boolean closed() {
        return closed;
    }

    /** Fails at once with {@code UNAVAILABLE} while the module is down. */
    void requireUp() {
        availability.requireUp();
    }

    HsmAvailability.Snapshot availability() {
        return availability.snapshot();
    }

    boolean isUp() {
        return availability.isUp();
    }

    /**
     * A call on {@code g} failed with {@code UNAVAILABLE}: a device fault marks the module down at
     * once; anything else asks for a probe of the token, on the background thread.
     */
    void failed(Generation g, HsmException e) {
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

    /**
     * While down: the breaker's state, without touching the HSM. While up: a probe of the token,
     * on the background thread, answered within {@code hsm.operationTimeout} — a probe that takes
     * longer reports unhealthy and marks the module down (the HSM stalls).
     */
    HsmHealth health() {
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

    /** Stops the background thread and closes every module, current and retired, and the opener. */
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
        toClose.forEach(ModuleSupervisor::closeQuietly);
        closeQuietly(current.hsm());
        opener.close();
    }

    // ---- background thread ----

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
        Generation next = new Generation(g.number() + 1, fresh);
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
