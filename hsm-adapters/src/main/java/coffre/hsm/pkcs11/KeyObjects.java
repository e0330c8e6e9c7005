package coffre.hsm.pkcs11;

import coffre.hsm.Hsm.LabelCheck;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyRef;

import java.lang.System.Logger.Level;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.ProviderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The AES keys of one {@link Pkcs11Hsm} as token objects: made, found by label and resolved into
 * {@link Pkcs11KeyRef}s, found again after a fault, described and destroyed, all on the
 * {@link ObjectSession}.
 *
 * <p>Why apart from the crypto ({@link PooledOperations}): resolution is rare and serialised, operations
 * are frequent and concurrent. A label is resolved here once into a reference that holds all an
 * operation needs (the provider's key object and its handle, and a session copy where wanted), so
 * encrypt and decrypt do no lookup; only when the HSM says a handle is gone does {@link #operate}
 * come back here, to find the object again by label.
 *
 * <p>Why one lock ({@link #serialised}): creating, destroying and resolving keys, and (fallback)
 * reloading the KeyStore, must not interleave within one instance; it is reentrant, and taken
 * within {@code hsm.operationTimeout} ({@link BoundedWait}) so that key administration never queues
 * behind a hung HSM.
 *
 * <p>A handle becomes a key object through {@link ProviderKeys}. A search that finds nothing is
 * checked against the token
 * ({@link Pkcs11HealthProbe#tokenReachable()}): a token that is gone reads
 * {@link HsmErrorKind#UNAVAILABLE}, never "no such key".
 */
final class KeyObjects {
    private static final System.Logger LOG = System.getLogger(KeyObjects.class.getName());

    private final ProviderKeys providerKeys;
    private final ObjectSession objects;
    private final Pkcs11HealthProbe probe;
    private final Duration lockTimeout;
    private final ConcurrentHashMap<String, Pkcs11KeyRef> refs = new ConcurrentHashMap<>();
    private final ReentrantLock admin = new ReentrantLock();

    KeyObjects(ProviderKeys providerKeys, ObjectSession objects, Pkcs11HealthProbe probe, Duration lockTimeout) {
        this.providerKeys = providerKeys;
        this.objects = objects;
        this.probe = probe;
        this.lockTimeout = lockTimeout;
    }

    /** Runs {@code action} holding the key administration lock, waiting for it at most {@code hsm.operationTimeout}. */
    <T> T serialised(Supplier<T> action) {
        BoundedWait.lock(admin, lockTimeout, "HSM key administration lock");
        try {
            return action.get();
        } finally {
            admin.unlock();
        }
    }

    /** Generates an AES key under {@code label}; the label is checked as {@code check} says. */
    Pkcs11KeyRef generate(String label, LabelCheck check) {
        return serialised(() -> {
            if (check == LabelCheck.SEARCH_TOKEN) {
                refuseTaken(label);
            }
            long handle;
            try {
                // The labelled, private token object is made inside the HSM in one call.
                handle = objects.use(session -> objects.module().generateKey(session, Pkcs11Native.CKM_AES_KEY_GEN,
                        KeyTemplates.aesKey(label)));
            } catch (RuntimeException e) {
                throw probe.outageOr("generate key", CkrErrorMapper.map(e, "generate key"));
            }
            Key tokenKey = providerKeys.load(label, handle, false);
            if (tokenKey == null) {
                throw new HsmException(HsmErrorKind.INTERNAL, "key '" + label + "' vanished right after generation");
            }
            Pkcs11KeyRef ref = bind(label, handle, tokenKey);
            LOG.log(Level.INFO, "generated key {0}", label);
            return ref;
        });
    }

    /** The AES key under {@code label}, or empty if the token has none (see the class comment on outages). */
    Optional<Pkcs11KeyRef> find(String label) {
        return serialised(() -> {
            Optional<Long> found = singleHandle(label);
            if (found.isEmpty()) {
                // Not there now. Only destroy forgets a key: a token briefly away must not poison
                // the references that the rest of the node holds, nor look like a key that never was.
                if (!probe.tokenReachable()) {
                    throw probe.unavailable("find key", null);
                }
                return Optional.empty();
            }
            return refAt(label, found.get());
        });
    }

    /**
     * The AES keys among {@code labels}, by label, in the order given: one search for every AES key
     * of the token and one label read per object, instead of one search per label (SoftHSM2 opens
     * every object file on each search, so a node with n keys would otherwise start in O(n²)). A
     * label held by several objects is left out (logged), as {@link #find} would refuse it.
     *
     * @param wanted the same labels as a set, for the O(1) test per object
     */
    Map<String, HsmKeyRef> findAll(Collection<String> labels, Set<String> wanted) {
        Map<String, HsmKeyRef> found = new LinkedHashMap<>();
        if (wanted.isEmpty()) {
            return found;
        }
        return serialised(() -> {
            Map<String, List<Long>> handles = aesKeysByLabel(wanted::contains, "find keys");
            for (String label : labels) {
                List<Long> h = handles.get(label);
                if (h == null || found.containsKey(label)) {
                    continue;
                }
                if (h.size() > 1) {
                    LOG.log(Level.ERROR, "{0} key objects are labelled ''{1}''; not using it", h.size(), label);
                    continue;
                }
                refAt(label, h.get(0)).ifPresent(ref -> found.put(label, ref));
            }
            return found;
        });
    }

    /** The labels of every AES key on the token, each once, in no particular order. */
    List<String> labels() {
        return serialised(() -> List.copyOf(aesKeysByLabel(label -> true, "list keys").keySet()));
    }

    /**
     * Runs {@code operation} with the handle to use for {@code ref}: its session copy's, or the
     * token object's. If the copy fails because the HSM says its handle or session is gone (e.g.
     * after a session was evicted), the copy is dropped and the token key used. If the HSM no longer
     * knows the key's object (the module lost the token and found it again, as after a device error
     * or a token taken away and put back), the object is found again by label, the reference
     * rebound, and the operation retried once. A key that this instance did not destroy and that
     * cannot be found now means the token is not usable as it should be: that is
     * {@link HsmErrorKind#UNAVAILABLE}, never a reason to forget the key.
     */
    <T> T operate(Pkcs11KeyRef ref, LongFunction<T> operation) {
        Supplier<T> withCopyFallback = () -> {
            long used = ref.operationHandle();
            try {
                return operation.apply(used);
            } catch (HsmException e) {
                if (fallBack(ref, used, e)) {
                    return operation.apply(ref.handle());
                }
                throw e;
            }
        };
        try {
            return withCopyFallback.get();
        } catch (HsmException e) {
            if (!CkrErrorMapper.answeredByHsm(e)) {
                throw e;
            }
            if (!rebind(ref)) {
                throw new HsmException(HsmErrorKind.UNAVAILABLE, "key '" + ref.label()
                        + "' is not on the token now; the HSM or its token is unavailable", e.pkcs11Code().orElse(null), e);
            }
            return withCopyFallback.get();
        }
    }

    /** Refuses a label that any token object (an AES or HMAC key, either half of a key pair) already has. */
    void refuseTaken(String label) {
        serialised(() -> {
            if (findHandles(KeyTemplates.findAnyObjectByLabel(label)).length > 0) {
                throw new HsmException(HsmErrorKind.INVALID_REQUEST, "a key labelled '" + label + "' already exists");
            }
            return null;
        });
    }

    /**
     * Destroys every secret key object (AES or HMAC) under {@code label} and makes this instance's
     * AES reference to it unusable.
     *
     * @return whether an object was destroyed
     */
    boolean destroy(String label) {
        return serialised(() -> {
            long[] handles = findHandles(KeyTemplates.findAnyByLabel(label));
            if (handles.length == 0 && !probe.tokenReachable()) {
                throw probe.unavailable("destroy key", null);
            }
            try {
                objects.use(session -> {
                    for (long h : handles) {
                        objects.module().destroyObject(session, h);
                    }
                    return null;
                });
                providerKeys.forgetAlias(label);
            } catch (GeneralSecurityException | ProviderException e) {
                throw CkrErrorMapper.map(e, "destroy key");
            }
            Pkcs11KeyRef old = refs.remove(label);
            if (old != null) {
                old.markDestroyed();
            }
            if (handles.length > 0) {
                LOG.log(Level.INFO, "destroyed key {0}", label);
            }
            return handles.length > 0;
        });
    }

    /** The security attributes of the one secret key object under {@code label}, as the HSM reports them. */
    HsmKeyAttributes describe(String label) {
        long[] handles = findHandles(KeyTemplates.findAnyByLabel(label));
        if (handles.length > 1) {
            throw new HsmException(HsmErrorKind.INTERNAL, handles.length + " key objects are labelled '" + label + "'");
        }
        if (handles.length == 0) {
            throw probe.outageOr("describe key", new HsmException(HsmErrorKind.KEY_NOT_FOUND, "no key labelled '" + label + "'"));
        }
        long handle = handles[0];
        try {
            return objects.use(session -> {
                Pkcs11Native m = objects.module();
                return new HsmKeyAttributes(
                        m.stringAttribute(session, handle, Pkcs11Native.CKA_LABEL).orElse(""),
                        flag(m, session, handle, Pkcs11Native.CKA_TOKEN),
                        flag(m, session, handle, Pkcs11Native.CKA_SENSITIVE),
                        flag(m, session, handle, Pkcs11Native.CKA_EXTRACTABLE),
                        flag(m, session, handle, Pkcs11Native.CKA_NEVER_EXTRACTABLE),
                        flag(m, session, handle, Pkcs11Native.CKA_LOCAL),
                        m.longAttribute(session, handle, Pkcs11Native.CKA_VALUE_LEN).orElse(0L).intValue());
            });
        } catch (ProviderException e) {
            throw probe.outageOr("describe key", CkrErrorMapper.map(e, "describe key"));
        }
    }

    /** Makes every reference unusable (the owning instance is closing). */
    void forgetAll() {
        refs.values().forEach(Pkcs11KeyRef::markDestroyed);
        refs.clear();
    }

    // ---- internals ----

    /**
     * Whether to retry with the token key: only when a session copy was used and the HSM says the
     * copy's handle or session is gone. The copy is dropped.
     */
    private static boolean fallBack(Pkcs11KeyRef ref, long used, HsmException e) {
        if (used == ref.handle() || !CkrErrorMapper.answeredByHsm(e)) {
            return false;
        }
        ref.dropSessionCopy();
        LOG.log(Level.WARNING, "session copy of key {0} failed ({1}); using the token key",
                ref.label(), e.pkcs11Code().orElse(e.kind().name()));
        return true;
    }

    /** Finds {@code ref}'s object again and points the reference at it; false if it is not there. */
    private boolean rebind(Pkcs11KeyRef ref) {
        return serialised(() -> {
            try {
                Optional<Long> found = singleHandle(ref.label());
                if (found.isEmpty()) {
                    return false;
                }
                // The old key object holds the old handle (and so does the KeyStore's alias, if used).
                Key tokenKey = providerKeys.load(ref.label(), found.get(), true);
                if (tokenKey == null) {
                    return false;
                }
                ref.rebind(found.get(), tokenKey, providerKeys.copyOf(tokenKey, ref.label()));
                LOG.log(Level.WARNING, "key {0} found again on the token after a fault; operations resume", ref.label());
                return true;
            } catch (HsmException e) {
                return false;
            }
        });
    }

    /** The handles of the token's AES keys whose label is {@code wanted}, by label; the caller holds the lock. */
    private Map<String, List<Long>> aesKeysByLabel(Predicate<String> wanted, String operation) {
        Map<String, List<Long>> handles;
        try {
            handles = objects.use(session -> {
                Map<String, List<Long>> byLabel = new HashMap<>();
                for (long handle : objects.module().findObjects(session, KeyTemplates.findAllAes())) {
                    objects.module().stringAttribute(session, handle, Pkcs11Native.CKA_LABEL)
                            .filter(wanted)
                            .ifPresent(l -> byLabel.computeIfAbsent(l, x -> new ArrayList<>()).add(handle));
                }
                return byLabel;
            });
        } catch (ProviderException e) {
            throw probe.outageOr(operation, CkrErrorMapper.map(e, operation));
        }
        if (handles.isEmpty() && !probe.tokenReachable()) {
            throw probe.unavailable(operation, null);
        }
        return handles;
    }

    /**
     * The reference for the token object {@code handle} found under {@code label}: the one held
     * already if it points there, else a fresh or re-pointed one; empty only if the fallback
     * KeyStore has no such key. The caller holds the lock.
     */
    private Optional<Pkcs11KeyRef> refAt(String label, long handle) {
        Pkcs11KeyRef cached = refs.get(label);
        if (cached != null && cached.handle() == handle && !cached.destroyed()) {
            return Optional.of(cached);
        }
        // A cached reference with another handle: the KeyStore's alias (if used) is stale as well.
        Key tokenKey = providerKeys.load(label, handle, cached != null);
        if (tokenKey == null) {
            return Optional.empty();
        }
        return Optional.of(bind(label, handle, tokenKey));
    }

    /**
     * The reference for {@code label} pointing at {@code handle}, with a session copy when wanted:
     * a live reference already held for the label (the module re-read the token, or another
     * process replaced the key) is pointed at it, so its holders keep working; the caller holds
     * the lock.
     */
    private Pkcs11KeyRef bind(String label, long handle, Key tokenKey) {
        SessionKeyCopier.Copy copy = providerKeys.copyOf(tokenKey, label);
        Pkcs11KeyRef cached = refs.get(label);
        if (cached != null && !cached.destroyed()) {
            cached.rebind(handle, tokenKey, copy);
            return cached;
        }
        Pkcs11KeyRef ref = new Pkcs11KeyRef(this, label, handle, tokenKey, copy);
        refs.put(label, ref);
        return ref;
    }

    private long[] findHandles(List<Pkcs11Native.Attr> template) {
        try {
            return objects.use(session -> objects.module().findObjects(session, template));
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "find key");
        }
    }

    private Optional<Long> singleHandle(String label) {
        long[] handles = findHandles(KeyTemplates.findByLabel(label));
        if (handles.length > 1) {
            throw new HsmException(HsmErrorKind.INTERNAL, handles.length + " key objects are labelled '" + label + "'");
        }
        return handles.length == 0 ? Optional.empty() : Optional.of(handles[0]);
    }

    private static boolean flag(Pkcs11Native m, long session, long handle, long type) {
        return m.booleanAttribute(session, handle, type).orElse(false);
    }
}
