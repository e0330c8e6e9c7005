package coffre.kms.server.keystores;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The in-memory view of external key stores, their credentials and key mappings: what the XKS
 * edge reads on every call ({@link ExternalKeyStoreDirectory}), with no database row on its path.
 *
 * <p>The view is replaced one store at a time, from a fresh read of everything stored under its
 * id ({@link #refresh}): after each local change, and when the cluster's change feed announces a
 * change made on any node, so a disabled store, a revoked credential or an unmapped key is refused
 * on every node within about a second, as a disabled key is. {@link #refreshAll} is the safety
 * net. Writes and refreshes are serialised by this object's lock (so a reload that read the store
 * before a local change cannot apply after it); readers never lock. A revocation, once seen, is
 * never undone by a stale read.
 */
public final class KeyStoreRegistry implements ExternalKeyStoreDirectory {
    private static final Logger LOG = System.getLogger(KeyStoreRegistry.class.getName());

    /** One store id's content, indexed for the hot path; immutable. */
    private record Entry(KeyStoreSnapshot snapshot, Map<String, XksCredential> credentials,
                         Map<String, ExternalKeyMapping> mappings) {
        static Entry of(KeyStoreSnapshot snapshot) {
            Map<String, XksCredential> credentials = new LinkedHashMap<>();
            snapshot.credentials().forEach(c -> credentials.put(c.accessKeyId(), c));
            Map<String, ExternalKeyMapping> mappings = new LinkedHashMap<>();
            snapshot.mappings().forEach(m -> mappings.put(m.externalKeyId(), m));
            return new Entry(snapshot, Map.copyOf(credentials), Map.copyOf(mappings));
        }
    }

    private final ExternalKeyStoreRepository repository;
    private final CredentialKeys credentialKeys;
    private final Map<String, Entry> byId = new ConcurrentHashMap<>();
    private final Map<String, ExternalKeyStore> byUriPath = new ConcurrentHashMap<>();
    private final Map<String, ExternalKeyStore> byName = new ConcurrentHashMap<>();
    private final Map<String, XksCredential> byAccessKeyId = new ConcurrentHashMap<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    KeyStoreRegistry(ExternalKeyStoreRepository repository, CredentialKeys credentialKeys) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.credentialKeys = Objects.requireNonNull(credentialKeys, "credentialKeys");
    }

    @Override
    public Optional<ExternalKeyStore> byUriPath(String uriPath) {
        return uriPath == null ? Optional.empty() : Optional.ofNullable(byUriPath.get(uriPath));
    }

    @Override
    public Optional<ExternalKeyMapping> mapping(String keyStoreId, String externalKeyId) {
        Entry entry = keyStoreId == null ? null : byId.get(keyStoreId);
        return entry == null || externalKeyId == null ? Optional.empty()
                : Optional.ofNullable(entry.mappings().get(externalKeyId));
    }

    @Override
    public Optional<byte[]> dateKey(String keyStoreId, String accessKeyId, String yyyymmdd) {
        if (!isActiveCredentialOf(keyStoreId, accessKeyId) || !isDate(yyyymmdd)) {
            return Optional.empty();
        }
        Optional<byte[]> key = credentialKeys.dateKey(accessKeyId, yyyymmdd);
        // A revocation may have landed while the HSM computed: it wins.
        if (key.isPresent() && !isActiveCredentialOf(keyStoreId, accessKeyId)) {
            credentialKeys.forget(accessKeyId);
            java.util.Arrays.fill(key.get(), (byte) 0);
            return Optional.empty();
        }
        return key;
    }

    @Override
    public void onChange(Consumer<String> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public int size() {
        return byUriPath.size();
    }

    /** The store with this id, if it exists. */
    public Optional<ExternalKeyStore> store(String keyStoreId) {
        Entry entry = keyStoreId == null ? null : byId.get(keyStoreId);
        return entry == null ? Optional.empty() : entry.snapshot().store();
    }

    /** The store with this name, if it exists. */
    public Optional<ExternalKeyStore> byName(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(byName.get(name));
    }

    /** Every store, by id. */
    public List<ExternalKeyStore> stores() {
        List<ExternalKeyStore> stores = new ArrayList<>(byUriPath.values());
        stores.sort(Comparator.comparing(ExternalKeyStore::id));
        return stores;
    }

    /** The credentials stored under the store id (pending, active, revoked), oldest first. */
    public List<XksCredential> credentials(String keyStoreId) {
        Entry entry = byId.get(keyStoreId);
        if (entry == null) {
            return List.of();
        }
        List<XksCredential> credentials = new ArrayList<>(entry.snapshot().credentials());
        credentials.sort(Comparator.comparing(XksCredential::createTime).thenComparing(XksCredential::accessKeyId));
        return credentials;
    }

    /** The credential with this access key id, whatever its store and state. */
    public Optional<XksCredential> credential(String accessKeyId) {
        return accessKeyId == null ? Optional.empty() : Optional.ofNullable(byAccessKeyId.get(accessKeyId));
    }

    /** The store's mappings, by external key id. */
    public List<ExternalKeyMapping> mappings(String keyStoreId) {
        Entry entry = byId.get(keyStoreId);
        if (entry == null) {
            return List.of();
        }
        List<ExternalKeyMapping> mappings = new ArrayList<>(entry.snapshot().mappings());
        mappings.sort(Comparator.comparing(ExternalKeyMapping::externalKeyId));
        return mappings;
    }

    /** Every credential still pending, whatever its store (for the clean-up of abandoned requests). */
    List<XksCredential> pendingCredentials() {
        return byAccessKeyId.values().stream().filter(c -> c.state() == XksCredential.State.PENDING).toList();
    }

    /** Replaces the view with the store's content; called once at start, before serving. */
    public synchronized void loadAll() {
        for (KeyStoreSnapshot snapshot : repository.loadAll()) {
            adopt(snapshot);
        }
        LOG.log(Level.INFO, "loaded {0} external key store(s)", size());
    }

    /**
     * Brings one store id up to the store, after a change made here or on another node.
     *
     * @return true if the view changed
     */
    public synchronized boolean refresh(String keyStoreId) {
        return adopt(repository.load(keyStoreId));
    }

    /**
     * Brings every store up to the store, in place; ids no longer stored are dropped.
     *
     * @return how many store ids changed in the view
     */
    public synchronized int refreshAll() {
        int changed = 0;
        Set<String> seen = new HashSet<>();
        for (KeyStoreSnapshot snapshot : repository.loadAll()) {
            seen.add(snapshot.keyStoreId());
            if (adopt(snapshot)) {
                changed++;
            }
        }
        for (String id : List.copyOf(byId.keySet())) {
            if (!seen.contains(id) && adopt(KeyStoreSnapshot.empty(id))) {
                changed++;
            }
        }
        return changed;
    }

    /**
     * Runs a local write and brings its store up to date, under this object's lock, so the view
     * never shows a state older than the write once it returned. A write that throws changed
     * nothing; a re-read that fails after a write that committed is logged (the change feed or the
     * next refresh catches up), not thrown: the write did happen.
     */
    synchronized <T> T write(String keyStoreId, Supplier<T> change) {
        return write(keyStoreId, change, null);
    }

    /**
     * As {@link #write(String, Supplier)}, for a narrowing change: if the re-read fails, the view
     * takes {@code narrowed} of what it holds, so the change applies on this node at once anyway.
     */
    synchronized <T> T write(String keyStoreId, Supplier<T> change, UnaryOperator<KeyStoreSnapshot> narrowed) {
        T result = change.get();
        try {
            refresh(keyStoreId);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "external key store {0} changed but could not be read back: {1}", keyStoreId,
                    e.toString());
            Entry current = byId.get(keyStoreId);
            if (narrowed != null && current != null) {
                adopt(narrowed.apply(current.snapshot()));
            }
        }
        return result;
    }

    /** The caller holds this object's lock. */
    private boolean adopt(KeyStoreSnapshot stored) {
        Entry old = byId.get(stored.keyStoreId());
        KeyStoreSnapshot snapshot = keepingRevocations(old, stored);
        if (old != null && old.snapshot().equals(snapshot)) {
            return false;
        }
        // New entries go in before stale ones go out: a lookup during the swap never misses a store
        // that exists before and after it.
        Optional<ExternalKeyStore> store = snapshot.store();
        store.ifPresent(s -> {
            byUriPath.put(s.uriPath(), s);
            byName.put(s.name(), s);
        });
        Map<String, XksCredential> credentials = new LinkedHashMap<>();
        for (XksCredential credential : snapshot.credentials()) {
            byAccessKeyId.put(credential.accessKeyId(), credential);
            credentials.put(credential.accessKeyId(), credential);
        }
        if (snapshot.isEmpty()) {
            byId.remove(snapshot.keyStoreId());
        } else {
            byId.put(snapshot.keyStoreId(), Entry.of(snapshot));
        }
        if (old != null) {
            old.snapshot().store().ifPresent(before -> {
                if (store.map(s -> !s.uriPath().equals(before.uriPath())).orElse(true)) {
                    byUriPath.remove(before.uriPath(), before);
                }
                if (store.map(s -> !s.name().equals(before.name())).orElse(true)) {
                    byName.remove(before.name(), before);
                }
            });
            for (XksCredential before : old.snapshot().credentials()) {
                if (!credentials.containsKey(before.accessKeyId())) {
                    byAccessKeyId.remove(before.accessKeyId(), before);
                }
            }
        }
        forgetInactiveKeys(old, snapshot);
        if (old == null || !old.snapshot().store().equals(snapshot.store())
                || !old.snapshot().credentials().equals(snapshot.credentials())) {
            tell(snapshot.keyStoreId());
        }
        return true;
    }

    /** {@code stored}, with every credential this view already saw revoked kept revoked. */
    private static KeyStoreSnapshot keepingRevocations(Entry old, KeyStoreSnapshot stored) {
        if (old == null) {
            return stored;
        }
        boolean stale = false;
        List<XksCredential> credentials = new ArrayList<>(stored.credentials().size());
        for (XksCredential credential : stored.credentials()) {
            XksCredential seen = old.credentials().get(credential.accessKeyId());
            if (seen != null && seen.state() == XksCredential.State.REVOKED
                    && credential.state() != XksCredential.State.REVOKED) {
                credentials.add(seen);
                stale = true;
            } else {
                credentials.add(credential);
            }
        }
        return stale ? new KeyStoreSnapshot(stored.keyStoreId(), stored.store(), credentials, stored.mappings()) : stored;
    }

    private void forgetInactiveKeys(Entry old, KeyStoreSnapshot now) {
        if (old == null) {
            return;
        }
        Map<String, XksCredential> current = Entry.of(now).credentials();
        for (XksCredential before : old.snapshot().credentials()) {
            XksCredential after = current.get(before.accessKeyId());
            if (before.state() == XksCredential.State.ACTIVE
                    && (after == null || after.state() != XksCredential.State.ACTIVE)) {
                credentialKeys.forget(before.accessKeyId());
            }
        }
    }

    private void tell(String keyStoreId) {
        for (Consumer<String> listener : listeners) {
            try {
                listener.accept(keyStoreId);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a key store change listener failed: {0}", e.toString());
            }
        }
    }

    private boolean isActiveCredentialOf(String keyStoreId, String accessKeyId) {
        XksCredential credential = accessKeyId == null ? null : byAccessKeyId.get(accessKeyId);
        return credential != null && credential.state() == XksCredential.State.ACTIVE
                && credential.keyStoreId().equals(keyStoreId);
    }

    private static boolean isDate(String yyyymmdd) {
        if (yyyymmdd == null || yyyymmdd.length() != 8) {
            return false;
        }
        for (int i = 0; i < 8; i++) {
            char c = yyyymmdd.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
