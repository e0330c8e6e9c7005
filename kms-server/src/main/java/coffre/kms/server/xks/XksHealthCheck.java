package coffre.kms.server.xks;

import coffre.hsm.HsmInfo;
import coffre.kms.server.cluster.ClusterMembers;
import coffre.kms.server.health.HealthMonitor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * The GetHealthStatus answer, from memory: the spec wants a deep check (an encrypt, decrypt or
 * metadata call right after a 200 should succeed) answered well within AWS's 250 ms, and lets a
 * proxy whose check is slower answer from a result no older than a minute. So:
 * <ul>
 *   <li>the HSM and store round trip is the node's own deep check ({@link HealthMonitor}, with
 *       its dedicated health key, never a customer key), which the node runs every 15 s (every
 *       second while not ready); a result older than {@value #MAX_AGE_SECONDS} s is not used:
 *       the answer is then {@code DependencyTimeoutException};</li>
 *   <li>an HSM that failed its round trip: {@code InternalException} (the key manager failed),
 *       rather than a 200 that lists it as UNAVAILABLE, which KMS could take for a working proxy;</li>
 *   <li>{@code ekmFleetDetails}: this node's HSM, ACTIVE, or DEGRADED when its round trip took
 *       more than half the request deadline or the store failed (calls may still be served:
 *       keys and policies are in memory);</li>
 *   <li>{@code xksProxyFleetSize}: the cluster's live nodes ({@link ClusterMembers}), counted by
 *       {@link #refresh()} in the background (a database query), never per request.</li>
 * </ul>
 */
final class XksHealthCheck {
    static final long MAX_AGE_SECONDS = 60;
    private static final Logger LOG = System.getLogger(XksHealthCheck.class.getName());
    private static final String VERSION = version();

    private final HealthMonitor monitor;
    private final ClusterMembers members;
    private final Clock clock;
    private final Duration degradedAbove;
    private final String vendor;
    private final String model;
    private final String ekmVendor;
    private final XksHealthResponse.EkmFleetDetail ekm;
    private volatile int fleetSize = 1;

    /**
     * @param vendor       {@code xksProxyVendor}
     * @param model        {@code xksProxyModel}, or null for "Coffre XKS proxy" and the version
     * @param ekmVendor    {@code ekmVendor}, or null for the HSM's manufacturer
     * @param requestTimeout the XKS deadline: an HSM round trip over half of it is DEGRADED
     */
    XksHealthCheck(HealthMonitor monitor, ClusterMembers members, HsmInfo hsm, String nodeId, String vendor,
                   String model, String ekmVendor, Duration requestTimeout, Clock clock) {
        this.monitor = monitor;
        this.members = members;
        this.clock = clock;
        this.degradedAbove = requestTimeout.dividedBy(2);
        this.vendor = vendor;
        this.model = model != null ? model : "Coffre XKS proxy " + VERSION;
        this.ekmVendor = ekmVendor != null ? ekmVendor : text(hsm.manufacturer(), "unknown");
        this.ekm = new XksHealthResponse.EkmFleetDetail(nodeId + "/" + text(hsm.tokenLabel(), hsm.profile()),
                (text(hsm.manufacturer(), "") + " " + text(hsm.model(), "") + " (" + hsm.profile() + " profile, "
                        + hsm.sessions() + " sessions)").strip(),
                XksHealthResponse.HealthStatus.ACTIVE);
    }

    /** Counts the live nodes again; blocks on the store. Failures keep the last count. */
    void refresh() {
        try {
            fleetSize = Math.max(1, members.liveNodes());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot count the live nodes for XKS health answers; keeping {0}: {1}", fleetSize,
                    e.toString());
        }
    }

    /**
     * The answer now, from memory.
     *
     * @throws XksException {@link XksError#DEPENDENCY_TIMEOUT} when no deep check finished in the
     *                      last minute; {@link XksError#INTERNAL} when the HSM failed the last one
     */
    XksHealthResponse answer() {
        HealthMonitor.Report report = monitor.last().orElse(null);
        if (report == null || report.checkedAt().plusSeconds(MAX_AGE_SECONDS).isBefore(clock.instant())) {
            throw new XksException(XksError.DEPENDENCY_TIMEOUT, "no health check of the HSM finished in the last minute");
        }
        if (!report.hsmUsable()) {
            throw new XksException(XksError.INTERNAL, "the HSM failed its last health check");
        }
        boolean degraded = !report.storeUsable()
                || report.hsmRoundTrip() != null && report.hsmRoundTrip().compareTo(degradedAbove) > 0;
        XksHealthResponse.EkmFleetDetail detail = new XksHealthResponse.EkmFleetDetail(ekm.id(), ekm.model(),
                degraded ? XksHealthResponse.HealthStatus.DEGRADED : XksHealthResponse.HealthStatus.ACTIVE);
        return new XksHealthResponse(fleetSize, vendor, model, ekmVendor, List.of(detail));
    }

    private static String text(String value, String otherwise) {
        return value == null || value.isBlank() ? otherwise : value.strip();
    }

    private static String version() {
        Properties properties = new Properties();
        try (InputStream in = XksHealthCheck.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "no version resource: {0}", e.toString());
        }
        String version = properties.getProperty("version", "");
        return version.isBlank() || version.startsWith("${") ? "(unknown version)" : version;
    }
}
