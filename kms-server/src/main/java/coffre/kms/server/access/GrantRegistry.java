package coffre.kms.server.access;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory view of grants, so the wrap/unwrap hot path reads no database row: unrevoked
 * grants indexed by key id, then by exact principal. Every grant (revoked ones too) is also kept
 * by id, for listings and revocation.
 *
 * <p>Writes persist first and change memory after, so nothing is visible that is not stored.
 * They are serialised by this object's lock — grants change rarely, and one writer at a time keeps
 * memory in the store's order. Readers never lock: they see immutable lists swapped whole. A
 * revocation is removed from the index as soon as it is stored, so the very next check refuses.
 *
 * <p>This view is per process. On a shared PostgreSQL store, other nodes follow a grant created or
 * revoked here through {@link #refresh(String)} when the change is announced to them, and
 * {@link #refreshAll()} as a safety net. Neither ever empties the view while it is read, and a
 * revocation, once seen, is never undone by a stale read.
 */
public final class GrantRegistry {
    private static final Logger LOG = System.getLogger(GrantRegistry.class.getName());
    private static final Comparator<GrantRecord> BY_CREATION =
            Comparator.comparing(GrantRecord::createdAt).thenComparing(GrantRecord::id);

    private final GrantStore store;
    private final Clock clock;
    private final SecureRandom random;
    private final Map<String, GrantRecord> byId = new ConcurrentHashMap<>();
    /** key id → principal name → unrevoked grants (any time window); inner lists are immutable. */
    private final Map<String, Map<String, List<GrantRecord>>> unrevoked = new ConcurrentHashMap<>();

    public GrantRegistry(GrantStore store, Clock clock, SecureRandom random) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * Brings one grant up to the store after another node created or revoked it.
     *
     * @return true if the view changed
     */
    public synchronized boolean refresh(String grantId) {
        return store.find(grantId).map(this::adopt).orElse(false);
    }

    /**
     * Brings every grant up to the store, in place (readers keep seeing a complete view).
     *
     * @return how many grants changed in the view
     */
    public synchronized int refreshAll() {
        int changed = 0;
        for (GrantRecord grant : store.loadAll()) {
            if (adopt(grant)) {
                changed++;
            }
        }
        return changed;
    }

    /** The caller holds this object's lock. */
    private boolean adopt(GrantRecord stored) {
        GrantRecord current = byId.get(stored.id());
        if (stored.equals(current) || (current != null && current.isRevoked() && !stored.isRevoked())) {
            return false;
        }
        if (current != null && !current.isRevoked()) {
            unindex(current);
        }
        byId.put(stored.id(), stored);
        if (!stored.isRevoked()) {
            index(stored);
        }
        LOG.log(Level.INFO, stored.isRevoked() ? "grant {0} revoked on another node" : "grant {0} created on another node",
                stored.id());
        return true;
    }

    /** Replaces the view with the store's content; called once at start, before serving. */
    public synchronized void loadAll() {
        List<GrantRecord> all = store.loadAll();
        byId.clear();
        unrevoked.clear();
        for (GrantRecord grant : all) {
            byId.put(grant.id(), grant);
            if (!grant.isRevoked()) {
                index(grant);
            }
        }
        LOG.log(Level.INFO, "loaded {0} grants ({1} keys with unrevoked grants)", all.size(), unrevoked.size());
    }

    /**
     * Creates a grant from approved terms. The caller has checked that the key exists and may be
     * granted (not destroyed).
     *
     * @throws KmsException {@link ErrorReason#INVALID_GRANT}
     */
    public synchronized GrantRecord create(GrantTerms terms) {
        Instant now = clock.instant();
        GrantRecord grant = GrantRecord.create(terms, now, random);
        store.insert(grant);
        byId.put(grant.id(), grant);
        index(grant);
        LOG.log(Level.INFO, "grant {0} created: {1} may {2} with key {3} until {4}",
                grant.id(), grant.principal(), grant.operations(), grant.keyId(), grant.notAfter());
        return grant;
    }

    /**
     * Revokes a grant at once. Revoking a revoked grant changes nothing and returns it as it is:
     * repeating the kill switch is harmless.
     *
     * @throws KmsException {@link ErrorReason#GRANT_NOT_FOUND}
     */
    public synchronized GrantRecord revoke(String grantId) {
        GrantRecord current = grantId == null ? null : byId.get(grantId);
        if (current == null && grantId != null) {
            // Made on another node a moment ago, and not announced here yet.
            current = store.find(grantId).orElse(null);
            if (current != null) {
                adopt(current);
            }
        }
        if (current == null) {
            throw new KmsException(ErrorReason.GRANT_NOT_FOUND, "no grant " + grantId);
        }
        if (current.isRevoked()) {
            return current;
        }
        GrantRecord revoked = current.revokedAt(clock.instant());
        if (!store.markRevoked(grantId, revoked.revokedAt())) {
            // Already revoked in the store (by another node sharing it): narrowing, so drop it here too.
            LOG.log(Level.WARNING, "grant {0} was already revoked in the store; removing it from memory", grantId);
        }
        byId.put(grantId, revoked);
        unindex(current);
        LOG.log(Level.INFO, "grant {0} revoked", grantId);
        return revoked;
    }

    /**
     * The grants live at a moment: unrevoked and within their window.
     *
     * @param soonestEnd when the first of them ends ({@code notAfter}); null when none is live
     */
    public record Live(int count, Instant soonestEnd) {
    }

    /** The grants live at {@code now}, counted from memory (for monitoring; no store read). */
    public Live live(Instant now) {
        int count = 0;
        Instant soonest = null;
        for (GrantRecord grant : byId.values()) {
            if (!grant.isRevoked() && !now.isBefore(grant.notBefore()) && now.isBefore(grant.notAfter())) {
                count++;
                if (soonest == null || grant.notAfter().isBefore(soonest)) {
                    soonest = grant.notAfter();
                }
            }
        }
        return new Live(count, soonest);
    }

    /** A grant by id, revoked or not; null when unknown. */
    public GrantRecord get(String grantId) {
        return grantId == null ? null : byId.get(grantId);
    }

    /**
     * Grants ordered by creation time then id.
     *
     * @param keyId null for grants on every key
     */
    public List<GrantRecord> list(String keyId, boolean includeRevoked) {
        List<GrantRecord> out = new ArrayList<>();
        for (GrantRecord grant : byId.values()) {
            if ((keyId == null || grant.keyId().value().equals(keyId)) && (includeRevoked || !grant.isRevoked())) {
                out.add(grant);
            }
        }
        out.sort(BY_CREATION);
        return List.copyOf(out);
    }

    /**
     * The unrevoked grants for this exact principal on this key, whatever their time window (the
     * caller checks it against its own {@code now}). Never null; immutable; allocates nothing.
     */
    public List<GrantRecord> unrevokedFor(String keyId, Principal principal) {
        Map<String, List<GrantRecord>> byPrincipal = unrevoked.get(keyId);
        if (byPrincipal == null) {
            return List.of();
        }
        List<GrantRecord> grants = byPrincipal.get(principal.name());
        return grants == null ? List.of() : grants;
    }

    private void index(GrantRecord grant) {
        unrevoked.computeIfAbsent(grant.keyId().value(), k -> new ConcurrentHashMap<>())
                .merge(grant.principal().name(), List.of(grant), (old, added) -> {
                    List<GrantRecord> both = new ArrayList<>(old.size() + 1);
                    both.addAll(old);
                    both.addAll(added);
                    return List.copyOf(both);
                });
    }

    private void unindex(GrantRecord grant) {
        Map<String, List<GrantRecord>> byPrincipal = unrevoked.get(grant.keyId().value());
        if (byPrincipal == null) {
            return;
        }
        byPrincipal.computeIfPresent(grant.principal().name(), (p, old) -> {
            List<GrantRecord> rest = old.stream().filter(g -> !g.id().equals(grant.id())).toList();
            return rest.isEmpty() ? null : rest;
        });
        if (byPrincipal.isEmpty()) {
            unrevoked.remove(grant.keyId().value(), byPrincipal);
        }
    }
}
