package coffre.kms.server.health;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmKeyRef;
import coffre.kms.server.cluster.ClusterLock;
import coffre.kms.server.cluster.SharedHsmKeys;
import coffre.kms.server.keys.KeyMetadataStore;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The deep health check: a real AES-GCM wrap and unwrap in the HSM with a dedicated health key
 * (never a customer key), and a round trip to the metadata store. The result is cached for at
 * most {@code maxAge}, so probes from load balancers cost the HSM nothing most of the time.
 * Readiness is "serving" only while both work.
 */
public final class HealthMonitor {
    /** The label of the HSM key used only by this check. */
    public static final String HEALTH_KEY_LABEL = "coffre:health";
    private static final Logger LOG = System.getLogger(HealthMonitor.class.getName());
    private static final byte[] PROBE = "coffre health probe".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AAD = "coffre/v1/health".getBytes(StandardCharsets.US_ASCII);

    /**
     * What the last check found; {@code detail} is safe to show operators (no secrets, no CKR codes).
     *
     * @param hsmRoundTrip how long the HSM's encrypt and decrypt took together, or null when they failed
     */
    public record Report(boolean hsmUsable, boolean storeUsable, String detail, Instant checkedAt,
                         Duration hsmRoundTrip) {
        public Report(boolean hsmUsable, boolean storeUsable, String detail, Instant checkedAt) {
            this(hsmUsable, storeUsable, detail, checkedAt, null);
        }

        public boolean serving() {
            return hsmUsable && storeUsable;
        }
    }

    private final Hsm hsm;
    private final KeyMetadataStore store;
    private final Clock clock;
    private final Duration maxAge;
    private final AtomicReference<Report> last = new AtomicReference<>();
    private final SharedHsmKeys sharedKeys;
    private volatile HsmKeyRef healthKey;

    public HealthMonitor(Hsm hsm, KeyMetadataStore store, Clock clock, Duration maxAge) {
        this(hsm, store, ClusterLock.LOCAL, clock, maxAge);
    }

    /** @param lock held by one node of the deployment at a time while the health key is created */
    public HealthMonitor(Hsm hsm, KeyMetadataStore store, ClusterLock lock, Clock clock, Duration maxAge) {
        this.hsm = hsm;
        this.sharedKeys = new SharedHsmKeys(hsm, lock);
        this.store = store;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** The cached report, refreshed first if older than {@code maxAge}. Blocks: call off the event loop. */
    public Report report() {
        Report report = last.get();
        if (report == null || report.checkedAt().plus(maxAge).isBefore(clock.instant())) {
            report = check();
        }
        return report;
    }

    /** The last report, however old, without running a check; empty before the first. Never blocks. */
    public java.util.Optional<Report> last() {
        return java.util.Optional.ofNullable(last.get());
    }

    /** Runs both probes now. */
    public synchronized Report check() {
        boolean hsmUsable;
        boolean storeUsable;
        Duration hsmRoundTrip = null;
        StringBuilder detail = new StringBuilder();
        try {
            long started = System.nanoTime();
            hsmUsable = probeHsm();
            hsmRoundTrip = hsmUsable ? Duration.ofNanos(System.nanoTime() - started) : null;
            if (!hsmUsable) {
                detail.append("HSM round trip returned other bytes; ");
            }
        } catch (RuntimeException e) {
            hsmUsable = false;
            healthKey = null;
            detail.append("HSM unusable (").append(e.getClass().getSimpleName()).append("); ");
        }
        try {
            store.ping();
            storeUsable = true;
        } catch (RuntimeException e) {
            storeUsable = false;
            detail.append("store unusable (").append(e.getClass().getSimpleName()).append("); ");
        }
        Report report = new Report(hsmUsable, storeUsable, detail.isEmpty() ? "ok" : detail.toString().trim(),
                clock.instant(), hsmRoundTrip);
        Report previous = last.getAndSet(report);
        if (previous == null || previous.serving() != report.serving()) {
            LOG.log(report.serving() ? Level.INFO : Level.WARNING, "health: {0}", report.serving() ? "serving" : report.detail());
        }
        return report;
    }

    private boolean probeHsm() {
        HsmKeyRef key = healthKey;
        if (key == null) {
            key = sharedKeys.aesKey(HEALTH_KEY_LABEL);
            healthKey = key;
        }
        GcmCiphertext sealed = hsm.encrypt(key, AAD, PROBE);
        byte[] opened = hsm.decrypt(key, sealed.iv(), AAD, sealed.ciphertextAndTag());
        return Arrays.equals(PROBE, opened);
    }
}
