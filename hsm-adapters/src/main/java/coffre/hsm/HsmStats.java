package coffre.hsm;

/**
 * A moment's view of an HSM's state for monitoring: whether calls may use it, how many of its
 * operation sessions are busy, and how often its module was re-initialised. Read by the server's
 * metrics on every scrape, so an implementation answers from memory, never by calling the HSM.
 *
 * @param available         false while calls fail fast (the breaker is open, the module is being
 *                          re-initialised) or after close
 * @param sessionsInUse     operation sessions borrowed now (0..{@code sessionsMax})
 * @param sessionsMax       the bound on concurrent HSM operations ({@code hsm.sessions})
 * @param reinitialisations how many times the module was re-opened since start
 */
public record HsmStats(boolean available, int sessionsInUse, int sessionsMax, long reinitialisations) {
    public HsmStats {
        if (sessionsMax < 0 || sessionsInUse < 0 || reinitialisations < 0) {
            throw new IllegalArgumentException("HSM statistics are counts: sessionsInUse=" + sessionsInUse
                    + ", sessionsMax=" + sessionsMax + ", reinitialisations=" + reinitialisations);
        }
    }
}
