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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.Provider;
import java.security.ProviderException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.regex.Pattern;

/**
 * The {@link Hsm} over a PKCS#11 token, through the JDK's SunPKCS11 provider.
 *
 * <p>Why it is built this way:
 * <ul>
 *   <li>Keys are made by {@code C_GenerateKey} directly as labelled token objects
 *       ({@link KeyTemplates#aesKey}) and found by {@code C_FindObjects} on their label; the
 *       provider's key object is made from the handle ({@link TokenKeyLoader}), so a key made by
 *       another process is usable at once and no KeyStore is reloaded. What is left per key is the
 *       module's own {@code C_FindObjects} for the label (SoftHSM2 scans every object file for it:
 *       ~35 µs per object on the machine of DESIGN.md), which a caller whose labels are unique by
 *       construction skips ({@link LabelCheck#CALLER_MADE_UNIQUE}). Without {@value TokenKeyLoader#JVM_FLAGS},
 *       keys are loaded through the PKCS#11 {@code KeyStore} instead, which is reloaded (every
 *       object listed and its label read) for each label it does not know yet.</li>
 *   <li>Keys are resolved by label once ({@link #generateKey}, {@link #findKey}) into a
 *       {@link Pkcs11KeyRef} holding the provider's key object and, where the profile and JVM allow
 *       it, a faster session-object copy ({@link SessionKeyCopier}); encrypt and decrypt do no lookup.</li>
 *   <li>Encrypt and decrypt borrow a PKCS#11 session from a {@link SessionPool} bounded by
 *       {@code hsm.sessions} and run AES-GCM on the key's handle in two PKCS#11 calls
 *       ({@link Pkcs11Native#gcm}), not through SunPKCS11's {@code Cipher}, which makes four and,
 *       to decrypt, a failing dummy call that SoftHSM2 logs as an error every time.</li>
 *   <li>Object management (lookup, attributes, destroy, health) goes through one separate
 *       {@link ObjectSession} of the PKCS#11 wrapper, so it never competes with operations.</li>
 *   <li>Every failure is translated by {@link CkrErrorMapper}; every GCM authentication failure is
 *       the same {@link HsmErrorKind#AUTHENTICATION_FAILED} exception.</li>
 *   <li>No caller waits longer than {@code hsm.operationTimeout} for a session or lock
 *       ({@link BoundedWait}); a search that finds nothing, or a key that fails as unknown, is
 *       checked against the token ({@link Pkcs11HealthProbe#tokenReachable()}), so a token that is
 *       gone reads {@link HsmErrorKind#UNAVAILABLE}, never "no such key".</li>
 * </ul>
 *
 * <p>This class never re-initialises its module: once SoftHSM (and other modules) lost the token
 * they may never see it again in this process. {@link RecoveringHsm} does that, around it.
 *
 * <p>Labels are 1..128 characters of {@code [A-Za-z0-9._:/@+=-]}. Creating and destroying keys is
 * serialised within one instance; two processes creating the same label at the same instant are not
 * prevented from doing so (the cluster's store decides labels), and later lookups of such a label
 * fail with {@link HsmErrorKind#INTERNAL}.
 *
 * <p>The JVM needs {@value Pkcs11Native#JVM_FLAGS}; with
 * {@value SessionKeyCopier#JVM_FLAGS} as well, keys are loaded by handle and session copies are
 * used when wanted.
 */
public final class Pkcs11Hsm implements Hsm {
    private static final System.Logger LOG = System.getLogger(Pkcs11Hsm.class.getName());
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9._:/@+=-]{1,128}");
    /** Upper bound of {@link #randomBytes}: data keys and IVs are tiny; this only stops mistakes. */
    public static final int MAX_RANDOM_BYTES = 1 << 16;

    private final Pkcs11HsmConfig config;
    private final HsmProfile profile;
    private final Path library;
    private final Pkcs11Native.TokenInfo token;
    private final Provider provider;
    /** Logs the provider in at open and on re-login; loads keys only when {@link #loader} is null. */
    private final KeyStore keyStore;
    /** Null when the JVM does not open SunPKCS11's internals: keys then come from {@link #keyStore}. */
    private final TokenKeyLoader loader;
    /**
     * IVs: one generator per thread (the JDK's DRBG, or SunPKCS11's {@code P11SecureRandom} when the
     * profile wants the HSM's RNG): both are synchronized, and a single shared instance made every
     * IV wait for the others (JFR: monitor waits of 17 ms on average under load). Random bytes for
     * callers come from {@code C_GenerateRandom} directly ({@link #randomBytes}).
     */
    private final ThreadLocal<SecureRandom> ivRandom;
    private final SessionPool<Long> sessions;
    private final SessionKeyCopier copier;
    private final ObjectSession objects;
    private final Pkcs11HealthProbe probe;
    private final MacKeys macKeys;
    private final ConcurrentHashMap<String, Pkcs11KeyRef> refs = new ConcurrentHashMap<>();
    /** Serialises key creation, destruction, resolution and (fallback) KeyStore reloads. */
    private final ReentrantLock admin = new ReentrantLock();
    /** KeyStore loads after the one at open: each lists every object on the token. */
    private final AtomicLong keyStoreReloads = new AtomicLong();
    private volatile boolean closed;

    private Pkcs11Hsm(Pkcs11HsmConfig config, HsmProfile profile, Path library, Pkcs11Native.TokenInfo token,
                      Provider provider, KeyStore keyStore, TokenKeyLoader loader,
                      ThreadLocal<SecureRandom> ivRandom, SessionPool<Long> sessions,
                      SessionKeyCopier copier, ObjectSession objects) {
        this.config = config;
        this.profile = profile;
        this.library = library;
        this.token = token;
        this.provider = provider;
        this.keyStore = keyStore;
        this.loader = loader;
        this.ivRandom = ivRandom;
        this.sessions = sessions;
        this.copier = copier;
        this.objects = objects;
        this.probe = new Pkcs11HealthProbe(objects, token.label());
        this.macKeys = new MacKeys(objects, probe);
    }

    /**
     * Loads the library, selects the token, logs in and prepares the cipher pool.
     *
     * @throws IllegalArgumentException for a library path that does not exist
     * @throws IllegalStateException    when the JVM lacks {@value Pkcs11Native#JVM_FLAGS}, or the PIN source is unreadable
     * @throws HsmException             when the module, token or login fails ({@link HsmErrorKind#UNAVAILABLE},
     *                                  {@link HsmErrorKind#LOGIN_FAILED}, ...)
     */
    public static Pkcs11Hsm open(Pkcs11HsmConfig config) {
        return open(config, TokenKeyLoader::create);
    }

    /** As {@link #open(Pkcs11HsmConfig)}, with the token-key loader made by {@code loaders} (tests force the fallback). */
    static Pkcs11Hsm open(Pkcs11HsmConfig config, Function<Provider, Optional<TokenKeyLoader>> loaders) {
        Objects.requireNonNull(config, "config");
        HsmProfile profile = config.hsmProfile();
        Path library = config.resolvedLibrary();
        if (!Files.isRegularFile(library)) {
            throw new IllegalArgumentException("hsm.library " + library + " does not exist or is not a file");
        }
        Pkcs11Native module;
        try {
            module = Pkcs11Native.connect(library);
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "load library " + library);
        }
        long slot;
        Pkcs11Native.TokenInfo token;
        try {
            slot = SlotResolver.resolve(module, config.token());
            token = module.tokenInfo(slot);
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "select token");
        }
        Provider provider;
        KeyStore keyStore;
        try {
            provider = SunPkcs11ProviderFactory.create(profile.name(), library, slot);
            keyStore = KeyStore.getInstance("PKCS11", provider);
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "configure provider");
        }
        // The KeyStore's load is how SunPKCS11 logs in; it lists the token's objects once per module.
        login(keyStore, config.pin());
        TokenKeyLoader loader = loaders.apply(provider).orElse(null);
        SessionKeyCopier copier = config.wantsSessionKeyCopies()
                ? SessionKeyCopier.create(provider, module).orElse(null) : null;
        ThreadLocal<SecureRandom> ivRandom;
        try {
            SecureRandom.getInstance("PKCS11", provider); // fails here, at open, if the HSM has no RNG
            // 96-bit random IVs only need a CSPRNG; the JDK's DRBG spares an HSM round trip per call
            // unless the profile requires the HSM's RNG.
            ivRandom = profile.ivFromHsmRng() ? ThreadLocal.withInitial(() -> randomOf("PKCS11", provider))
                    : ThreadLocal.withInitial(() -> randomOf("DRBG", null));
        } catch (GeneralSecurityException e) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "the HSM offers no random number generator", null, e);
        }
        Duration timeout = config.timeouts().operationTimeout();
        SessionPool<Long> sessions;
        try {
            sessions = new SessionPool<>(() -> module.openSession(slot), session -> closeQuietly(module, session),
                    config.sessions(), timeout);
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "open session");
        }
        Pkcs11Hsm hsm = new Pkcs11Hsm(config, profile, library, token, provider, keyStore, loader, ivRandom,
                sessions, copier, new ObjectSession(module, slot, timeout));
        LOG.log(Level.INFO, "HSM opened: profile {0}, token ''{1}'' in slot {2}, {3} sessions, session key copies {4},"
                        + " keys loaded {5}{6}",
                profile.name(), token.label(), Long.toString(slot), config.sessions(), copier != null ? "on" : "off",
                loader != null ? "by handle" : "through the KeyStore",
                profile.tested() ? "" : " (profile not tested by Coffre's conformance suite)");
        return hsm;
    }

    @Override
    public HsmKeyRef generateKey(String label, LabelCheck check) {
        requireOpen();
        checkLabel(label);
        Objects.requireNonNull(check, "check");
        lockAdmin();
        try {
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
            Key tokenKey = loadTokenKey(label, handle, false);
            if (tokenKey == null) {
                throw new HsmException(HsmErrorKind.INTERNAL, "key '" + label + "' vanished right after generation");
            }
            Pkcs11KeyRef ref = bind(label, handle, tokenKey);
            LOG.log(Level.INFO, "generated key {0}", label);
            return ref;
        } finally {
            admin.unlock();
        }
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        requireOpen();
        checkLabel(label);
        lockAdmin();
        try {
            return resolve(label).map(HsmKeyRef.class::cast);
        } finally {
            admin.unlock();
        }
    }

    /**
     * One search for every AES key of the token and one label read per object, instead of one
     * search per label: SoftHSM2 opens every object file on each search, so a node with n keys
     * would otherwise start in O(n²). A label held by several objects is left out (logged), as
     * {@link #findKey} would refuse it.
     */
    @Override
    public Map<String, HsmKeyRef> findKeys(Collection<String> labels) {
        requireOpen();
        Set<String> wanted = new HashSet<>(labels);
        wanted.forEach(Pkcs11Hsm::checkLabel);
        Map<String, HsmKeyRef> found = new LinkedHashMap<>();
        if (wanted.isEmpty()) {
            return found;
        }
        lockAdmin();
        try {
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
        } finally {
            admin.unlock();
        }
    }

    /**
     * The labels of every AES key on the token, each once, in no particular order, whoever made
     * them (another node, another process): one search and one label read per object, as
     * {@link #findKeys}. For benchmarks and for comparing what the token holds with what a store
     * knows of.
     */
    public List<String> keyLabels() {
        requireOpen();
        lockAdmin();
        try {
            return List.copyOf(aesKeysByLabel(label -> true, "list keys").keySet());
        } finally {
            admin.unlock();
        }
    }

    /** The handles of the token's AES keys whose label is {@code wanted}, by label; the caller holds {@link #admin}. */
    private Map<String, List<Long>> aesKeysByLabel(java.util.function.Predicate<String> wanted, String operation) {
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

    @Override
    public GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext) {
        requireOpen();
        Pkcs11KeyRef ref = own(key);
        Objects.requireNonNull(aad, "aad must not be null; pass an empty array");
        Objects.requireNonNull(plaintext, "plaintext");
        return withRecovery(ref, () -> {
            long k = ref.operationHandle();
            try {
                return encryptWith(k, aad, plaintext);
            } catch (HsmException e) {
                if (fallBack(ref, k, e)) {
                    return encryptWith(ref.handle(), aad, plaintext);
                }
                throw e;
            }
        });
    }

    @Override
    public byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        requireOpen();
        Pkcs11KeyRef ref = own(key);
        Objects.requireNonNull(iv, "iv");
        Objects.requireNonNull(aad, "aad must not be null; pass an empty array");
        Objects.requireNonNull(ciphertextAndTag, "ciphertextAndTag");
        if (iv.length != GcmCiphertext.IV_LENGTH || ciphertextAndTag.length < GcmCiphertext.TAG_LENGTH) {
            // Malformed input fails exactly like a forged one: no length oracle.
            throw CkrErrorMapper.authenticationFailed();
        }
        return withRecovery(ref, () -> {
            long k = ref.operationHandle();
            try {
                return decryptWith(k, iv, aad, ciphertextAndTag);
            } catch (HsmException e) {
                if (fallBack(ref, k, e)) {
                    return decryptWith(ref.handle(), iv, aad, ciphertextAndTag);
                }
                throw e;
            }
        });
    }

    /**
     * Runs an operation with {@code ref}; if the HSM no longer knows the key's object (the module
     * lost the token and found it again, as after a device error or a token taken away and put
     * back), finds the object again by label, rebinds the reference and retries once. A key that
     * this instance did not destroy and that cannot be found now means the token is not usable as
     * it should be: that is {@link HsmErrorKind#UNAVAILABLE}, never a reason to forget the key.
     */
    private <T> T withRecovery(Pkcs11KeyRef ref, java.util.function.Supplier<T> operation) {
        try {
            return operation.get();
        } catch (HsmException e) {
            if (!answeredByHsm(e)) {
                throw e;
            }
            if (!rebind(ref)) {
                throw new HsmException(HsmErrorKind.UNAVAILABLE, "key '" + ref.label()
                        + "' is not on the token now; the HSM or its token is unavailable", e.pkcs11Code().orElse(null), e);
            }
            return operation.get();
        }
    }

    /** Finds {@code ref}'s object again and points the reference at it; false if it is not there. */
    private boolean rebind(Pkcs11KeyRef ref) {
        lockAdmin();
        try {
            Optional<Long> found = singleHandle(ref.label());
            if (found.isEmpty()) {
                return false;
            }
            // The old key object holds the old handle (and so does the KeyStore's alias, if used).
            Key tokenKey = loadTokenKey(ref.label(), found.get(), true);
            if (tokenKey == null) {
                return false;
            }
            SessionKeyCopier.Copy copy = copier != null ? copier.copy(tokenKey, ref.label()).orElse(null) : null;
            ref.rebind(found.get(), tokenKey, copy);
            LOG.log(Level.WARNING, "key {0} found again on the token after a fault; operations resume", ref.label());
            return true;
        } catch (HsmException e) {
            return false;
        } finally {
            admin.unlock();
        }
    }

    @Override
    public HsmKeyRef generateMacKey(String label) {
        requireOpen();
        checkLabel(label);
        lockAdmin();
        try {
            refuseTaken(label);
            HsmKeyRef ref = macKeys.generate(label);
            LOG.log(Level.INFO, "generated MAC key {0}", label);
            return ref;
        } finally {
            admin.unlock();
        }
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        requireOpen();
        checkLabel(label);
        lockAdmin();
        try {
            return macKeys.find(label).map(HsmKeyRef.class::cast);
        } finally {
            admin.unlock();
        }
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        requireOpen();
        MacKeys.MacKeyRef ref = ownMac(macKey);
        Objects.requireNonNull(data, "data");
        return macKeys.hmacSha256(ref, data);
    }

    @Override
    public byte[] randomBytes(int length) {
        requireOpen();
        if (length < 0 || length > MAX_RANDOM_BYTES) {
            throw new IllegalArgumentException("random length must be between 0 and " + MAX_RANDOM_BYTES + ", got " + length);
        }
        byte[] out = new byte[length];
        if (length == 0) {
            return out;
        }
        // One C_GenerateRandom on an operation session: SunPKCS11's P11SecureRandom takes a session
        // of its own pool, mixes the bytes with a software generator, and is synchronized.
        return onSession("generate random bytes", session -> {
            objects.module().generateRandom(session, out);
            return out;
        });
    }

    @Override
    public boolean destroyKey(String label) {
        requireOpen();
        checkLabel(label);
        lockAdmin();
        try {
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
                if (keyStore.containsAlias(label)) {
                    // Keeps the KeyStore's alias map in step; the object is already gone, so this only forgets it.
                    keyStore.deleteEntry(label);
                }
            } catch (GeneralSecurityException | ProviderException e) {
                throw CkrErrorMapper.map(e, "destroy key");
            }
            Pkcs11KeyRef old = refs.remove(label);
            if (old != null) {
                old.markDestroyed();
            }
            macKeys.forget(label);
            if (handles.length > 0) {
                LOG.log(Level.INFO, "destroyed key {0}", label);
            }
            return handles.length > 0;
        } finally {
            admin.unlock();
        }
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        requireOpen();
        checkLabel(label);
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

    @Override
    public HsmHealth health() {
        if (closed) {
            return new HsmHealth(false, "closed");
        }
        Pkcs11HealthProbe.Result r = probe.probe();
        if (r.needsLogin()) {
            try {
                reloadKeyStore();
                return probe.probe().health();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "HSM re-login failed: {0}", CkrErrorMapper.map(e, "login").kind());
            }
        }
        return r.health();
    }

    @Override
    public HsmInfo info() {
        return new HsmInfo(profile.name(), library.toString(), token.label(), token.manufacturer(), token.model(),
                copier != null, config.sessions());
    }

    /**
     * Releases this instance's object session and forgets its key references. It does not log out:
     * PKCS#11 login state belongs to the whole process, so logging out would break other instances
     * on the same token. Session copies are destroyed by SunPKCS11 once unreachable.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        refs.values().forEach(Pkcs11KeyRef::markDestroyed);
        refs.clear();
        macKeys.forgetAll();
        sessions.close();
        objects.close();
        LOG.log(Level.INFO, "HSM closed: token ''{0}''", token.label());
    }

    @Override
    public String toString() {
        return "Pkcs11Hsm[" + profile.name() + ", token '" + token.label() + "', " + config.sessions() + " sessions]";
    }

    /** How many times the KeyStore was loaded again since open (each lists the token): for tests. */
    long keyStoreReloads() {
        return keyStoreReloads.get();
    }

    /** Whether keys are made from their handles ({@link TokenKeyLoader}) rather than through the KeyStore. */
    boolean loadsKeysByHandle() {
        return loader != null;
    }

    /** The SunPKCS11 provider of this instance: for tests in this package that need raw JCA access. */
    Provider provider() {
        return provider;
    }

    // ---- internals ----

    /** A generator checked to exist at open; {@code provider} null for the JDK's own. */
    private static SecureRandom randomOf(String algorithm, Provider provider) {
        try {
            return provider == null ? SecureRandom.getInstance(algorithm) : SecureRandom.getInstance(algorithm, provider);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " random generator vanished after open", e);
        }
    }

    private GcmCiphertext encryptWith(long key, byte[] aad, byte[] plaintext) {
        return onSession("encrypt", session -> {
            byte[] iv = new byte[GcmCiphertext.IV_LENGTH];
            byte[] out = new byte[plaintext.length + GcmCiphertext.TAG_LENGTH];
            ivRandom.get().nextBytes(iv);
            int n = objects.module().gcm(true, session, key, iv, aad, plaintext, out);
            return new GcmCiphertext(iv, n == out.length ? out : Arrays.copyOf(out, n));
        });
    }

    private byte[] decryptWith(long key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        return onSession("decrypt", session -> {
            // Room for the tag too: some modules check the output buffer against the input's length.
            byte[] out = new byte[ciphertextAndTag.length];
            int n = objects.module().gcm(false, session, key, iv, aad, ciphertextAndTag, out);
            byte[] plaintext = Arrays.copyOf(out, n);
            Arrays.fill(out, (byte) 0);
            return plaintext;
        });
    }

    /**
     * Runs {@code operation} on a pooled operation session, its failures translated by
     * {@link CkrErrorMapper}. The session goes back to the pool after a success or a GCM tag
     * mismatch (an expected outcome: the failed {@code C_Decrypt} has ended the operation, the
     * session is clean); after any other failure it is closed, with whatever state it was left in.
     */
    private <T> T onSession(String what, LongFunction<T> operation) {
        long session = sessions.borrow();
        boolean reusable = false;
        try {
            T result = operation.apply(session);
            reusable = true;
            return result;
        } catch (ProviderException e) {
            HsmException mapped = CkrErrorMapper.map(e, what);
            reusable = mapped.kind() == HsmErrorKind.AUTHENTICATION_FAILED;
            throw mapped;
        } finally {
            sessions.release(session, reusable);
        }
    }

    private static void closeQuietly(Pkcs11Native module, long session) {
        try {
            module.closeSession(session);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a discarded HSM session: {0}", CkrErrorMapper.ckrName(e).orElse(e.toString()));
        }
    }

    /**
     * Whether to retry with the token key: only when a session copy was used and the HSM says the
     * copy's handle or session is gone (e.g. after a session was evicted). The copy is dropped.
     */
    private boolean fallBack(Pkcs11KeyRef ref, long used, HsmException e) {
        if (used == ref.handle() || !answeredByHsm(e)) {
            return false;
        }
        ref.dropSessionCopy();
        LOG.log(Level.WARNING, "session copy of key {0} failed ({1}); using the token key",
                ref.label(), e.pkcs11Code().orElse(e.kind().name()));
        return true;
    }

    /**
     * Whether {@code e} is the HSM saying a key or session is gone ({@code KEY_NOT_FOUND}, or
     * {@code UNAVAILABLE} with a CKR code), which a lookup by label may cure. Not our own deadline
     * or an interrupt: a lookup would then wait on the same unanswering HSM, past the deadline.
     */
    static boolean answeredByHsm(HsmException e) {
        return e.kind() == HsmErrorKind.KEY_NOT_FOUND
                || (e.kind() == HsmErrorKind.UNAVAILABLE && e.pkcs11Code().isPresent());
    }

    /** Resolves {@code label} against the token; the caller holds {@link #admin}. */
    private Optional<Pkcs11KeyRef> resolve(String label) {
        Optional<Long> found = singleHandle(label);
        if (found.isEmpty()) {
            // Not there now. Only destroyKey forgets a key: a token briefly away must not poison
            // the references that the rest of the node holds, nor look like a key that never was.
            if (!probe.tokenReachable()) {
                throw probe.unavailable("find key", null);
            }
            return Optional.empty();
        }
        return refAt(label, found.get());
    }

    /**
     * The reference for the token object {@code handle} found under {@code label}: the one held
     * already if it points there, else a fresh or re-pointed one; empty only if the fallback
     * KeyStore has no such key. The caller holds {@link #admin}.
     */
    private Optional<Pkcs11KeyRef> refAt(String label, long handle) {
        Pkcs11KeyRef cached = refs.get(label);
        if (cached != null && cached.handle() == handle && !cached.destroyed()) {
            return Optional.of(cached);
        }
        // A cached reference with another handle: the KeyStore's alias (if used) is stale as well.
        Key tokenKey = loadTokenKey(label, handle, cached != null);
        if (tokenKey == null) {
            return Optional.empty();
        }
        return Optional.of(bind(label, handle, tokenKey));
    }

    /**
     * The reference for {@code label} pointing at {@code handle}, with a session copy when wanted:
     * a live reference already held for the label (the module re-read the token, or another
     * process replaced the key) is pointed at it, so its holders keep working; the caller holds
     * {@link #admin}.
     */
    private Pkcs11KeyRef bind(String label, long handle, Key tokenKey) {
        SessionKeyCopier.Copy copy = copier != null ? copier.copy(tokenKey, label).orElse(null) : null;
        Pkcs11KeyRef cached = refs.get(label);
        if (cached != null && !cached.destroyed()) {
            cached.rebind(handle, tokenKey, copy);
            return cached;
        }
        Pkcs11KeyRef ref = new Pkcs11KeyRef(this, label, handle, tokenKey, copy);
        refs.put(label, ref);
        return ref;
    }

    /**
     * The provider's key object for the token object {@code handle} labelled {@code label}: made
     * from the handle in O(1) ({@link TokenKeyLoader}), or, without it, taken from the KeyStore,
     * reloaded first (every object listed) when it does not know the label or its alias may point
     * at an older object ({@code keyStoreStale}). Null only if the fallback KeyStore has no such key.
     */
    private Key loadTokenKey(String label, long handle, boolean keyStoreStale) {
        try {
            if (loader != null) {
                return loader.load(handle);
            }
            if (keyStoreStale || !keyStore.containsAlias(label)) {
                reloadKeyStore();
            }
            return keyStore.getKey(label, null);
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "load key");
        }
    }

    private long[] findHandles(List<Pkcs11Native.Attr> template) {
        try {
            return objects.use(session -> objects.module().findObjects(session, template));
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "find key");
        }
    }

    /** Refuses a label that any of Coffre's secret keys (AES or HMAC) already has; the caller holds {@link #admin}. */
    private void refuseTaken(String label) {
        if (findHandles(KeyTemplates.findAnyByLabel(label)).length > 0) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "a key labelled '" + label + "' already exists");
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

    private void reloadKeyStore() {
        keyStoreReloads.incrementAndGet();
        login(keyStore, config.pin());
    }

    /** Logs in (if needed) and (re)loads the KeyStore's label map; the PIN array is wiped at once. */
    private static void login(KeyStore keyStore, PinSource pinSource) {
        char[] pin = pinSource.read();
        try {
            keyStore.load(null, pin);
        } catch (java.io.IOException | GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "login");
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    private Pkcs11KeyRef own(HsmKeyRef key) {
        Objects.requireNonNull(key, "key");
        if (key instanceof MacKeys.MacKeyRef mac && mac.owner() == macKeys) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key '" + mac.label()
                    + "' is an HMAC key; encrypt and decrypt need an AES key");
        }
        if (!(key instanceof Pkcs11KeyRef ref) || ref.owner() != this) {
            throw new IllegalArgumentException("HsmKeyRef " + key + " was not issued by this Hsm");
        }
        if (ref.destroyed()) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "key '" + ref.label() + "' was destroyed");
        }
        return ref;
    }

    /** Takes {@link #admin} within {@code hsm.operationTimeout}: key creation must not queue behind a hung HSM. */
    private void lockAdmin() {
        BoundedWait.lock(admin, config.timeouts().operationTimeout(), "HSM key administration lock");
    }

    private MacKeys.MacKeyRef ownMac(HsmKeyRef key) {
        Objects.requireNonNull(key, "macKey");
        if (key instanceof Pkcs11KeyRef aes && aes.owner() == this) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "key '" + aes.label()
                    + "' is an AES key; HMAC needs a key made by generateMacKey");
        }
        if (!(key instanceof MacKeys.MacKeyRef ref) || ref.owner() != macKeys) {
            throw new IllegalArgumentException("HsmKeyRef " + key + " was not issued by this Hsm");
        }
        return ref;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this Hsm is closed");
        }
    }

    private static void checkLabel(String label) {
        if (label == null || !LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("key label must be 1..128 characters of [A-Za-z0-9._:/@+=-], got '" + label + "'");
        }
    }
}
