package coffre.hsm.pkcs11;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;
import coffre.hsm.HsmInfo;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.HsmStats;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;

import java.lang.System.Logger.Level;
import java.security.Provider;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@link Hsm} over a PKCS#11 token, through the JDK's SunPKCS11 provider.
 *
 * <p>Why it is built this way, one collaborator per concern:
 * <ul>
 *   <li>The token is opened as every Coffre client opens one ({@link LoggedInToken}: library,
 *       slot, provider, login).</li>
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
 *       it, a faster session-object copy ({@link SessionKeyCopier}); encrypt and decrypt do no
 *       lookup. Resolution, object management and finding a key again after a fault are
 *       {@link KeyObjects}'; HMAC keys and MACs are {@link MacKeys}'.</li>
 *   <li>Encrypt, decrypt and random bytes borrow a PKCS#11 session from a pool bounded by
 *       {@code hsm.sessions} ({@link PooledOperations}) and run AES-GCM on the key's handle in two
 *       PKCS#11 calls ({@link Pkcs11Native#gcm}).</li>
 *   <li>Object management (lookup, attributes, destroy, MACs, health) goes through one separate
 *       {@link ObjectSession} of the PKCS#11 wrapper, so it never competes with operations.</li>
 *   <li>Every failure is translated by {@link CkrErrorMapper}; every GCM authentication failure is
 *       the same {@link HsmErrorKind#AUTHENTICATION_FAILED} exception.</li>
 *   <li>No caller waits longer than {@code hsm.operationTimeout} for a session or lock
 *       ({@link BoundedWait}); a search that finds nothing, or a key that fails as unknown, is
 *       checked against the token ({@link Pkcs11HealthProbe#tokenReachable()}), so a token that is
 *       gone reads {@link HsmErrorKind#UNAVAILABLE}, never "no such key".</li>
 * </ul>
 * Key pairs (generated inside, RSA-OAEP decryption, RSA-PSS and ECDSA signatures) are
 * {@link KeyPairs}'. This class itself checks the arguments ({@link IssuedRefs}: which instance
 * and which kind issued a reference), and puts the collaborators together.
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
    private final LoggedInToken token;
    private final ProviderKeys providerKeys;
    private final KeyObjects keys;
    private final MacKeys macKeys;
    private final KeyPairs pairs;
    private final IssuedRefs refs;
    private final PooledOperations operations;
    private final ObjectSession objects;
    private final Pkcs11HealthProbe probe;
    private volatile boolean closed;

    private Pkcs11Hsm(Pkcs11HsmConfig config, HsmProfile profile, LoggedInToken token, ProviderKeys providerKeys,
                      PooledOperations operations) {
        Duration timeout = config.timeouts().operationTimeout();
        this.config = config;
        this.profile = profile;
        this.token = token;
        this.providerKeys = providerKeys;
        this.operations = operations;
        this.objects = new ObjectSession(token.module(), token.slot(), timeout);
        this.probe = new Pkcs11HealthProbe(objects, token.info().label());
        this.keys = new KeyObjects(providerKeys, objects, probe, timeout);
        this.macKeys = new MacKeys(objects, probe);
        this.pairs = new KeyPairs(objects, operations, probe);
        this.refs = new IssuedRefs(keys, macKeys, pairs);
    }

    /**
     * Loads the library, selects the token, logs in and prepares the session pool.
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
        LoggedInToken token = LoggedInToken.open(config.resolvedLibrary(), "hsm.library", config.token(), profile.name(),
                config.pin());
        TokenKeyLoader loader = loaders.apply(token.provider()).orElse(null);
        SessionKeyCopier copier = config.wantsSessionKeyCopies()
                ? SessionKeyCopier.create(token.provider(), token.module()).orElse(null) : null;
        PooledOperations operations = PooledOperations.open(token, profile.ivFromHsmRng(), config.sessions(),
                config.timeouts().operationTimeout());
        Pkcs11Hsm hsm = new Pkcs11Hsm(config, profile, token, new ProviderKeys(token, loader, copier), operations);
        LOG.log(Level.INFO, "HSM opened: profile {0}, token ''{1}'' in slot {2}, {3} sessions, session key copies {4},"
                        + " keys loaded {5}{6}",
                profile.name(), token.info().label(), Long.toString(token.slot()), config.sessions(),
                copier != null ? "on" : "off", loader != null ? "by handle" : "through the KeyStore",
                profile.tested() ? "" : " (profile not tested by Coffre's conformance suite)");
        return hsm;
    }

    @Override
    public HsmKeyRef generateKey(String label, LabelCheck check) {
        requireOpen();
        checkLabel(label);
        Objects.requireNonNull(check, "check");
        return keys.serialised(() -> {
            pairs.refuseGenerating(label);
            return keys.generate(label, check);
        });
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        requireOpen();
        checkLabel(label);
        return keys.find(label).map(HsmKeyRef.class::cast);
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
        return keys.findAll(labels, wanted);
    }

    /**
     * The labels of every AES key on the token, each once, in no particular order, whoever made
     * them (another node, another process): one search and one label read per object, as
     * {@link #findKeys}. For benchmarks and for comparing what the token holds with what a store
     * knows of.
     */
    public List<String> keyLabels() {
        requireOpen();
        return keys.labels();
    }

    @Override
    public GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext) {
        requireOpen();
        Pkcs11KeyRef ref = refs.aes(key);
        Objects.requireNonNull(aad, "aad must not be null; pass an empty array");
        Objects.requireNonNull(plaintext, "plaintext");
        return keys.operate(ref, handle -> operations.encrypt(handle, aad, plaintext));
    }

    @Override
    public byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        requireOpen();
        Pkcs11KeyRef ref = refs.aes(key);
        Objects.requireNonNull(iv, "iv");
        Objects.requireNonNull(aad, "aad must not be null; pass an empty array");
        Objects.requireNonNull(ciphertextAndTag, "ciphertextAndTag");
        if (iv.length != GcmCiphertext.IV_LENGTH || ciphertextAndTag.length < GcmCiphertext.TAG_LENGTH) {
            // Malformed input fails exactly like a forged one: no length oracle.
            throw CkrErrorMapper.authenticationFailed();
        }
        return keys.operate(ref, handle -> operations.decrypt(handle, iv, aad, ciphertextAndTag));
    }

    @Override
    public HsmKeyRef generateMacKey(String label) {
        requireOpen();
        checkLabel(label);
        return keys.serialised(() -> {
            pairs.refuseGenerating(label);
            keys.refuseTaken(label);
            HsmKeyRef ref = macKeys.generate(label);
            LOG.log(Level.INFO, "generated MAC key {0}", label);
            return ref;
        });
    }

    @Override
    public HsmKeyRef importMacKey(String label, byte[] value) {
        requireOpen();
        checkLabel(label);
        MacKeys.checkValue(value);
        return keys.serialised(() -> {
            pairs.refuseGenerating(label);
            keys.refuseTaken(label);
            HsmKeyRef ref = macKeys.importKey(label, value);
            LOG.log(Level.INFO, "stored imported MAC key {0}", label);
            return ref;
        });
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        requireOpen();
        checkLabel(label);
        return keys.serialised(() -> macKeys.find(label).map(HsmKeyRef.class::cast));
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        requireOpen();
        MacKeys.MacKeyRef ref = refs.mac(macKey);
        Objects.requireNonNull(data, "data");
        return macKeys.hmacSha256(ref, data);
    }

    /**
     * Generates the pair on an operation session, without holding the key administration lock for
     * the seconds an RSA-4096 pair takes: the label is checked and reserved under the lock first,
     * so no other creation of this instance can take it meanwhile.
     */
    @Override
    public HsmKeyPair generateKeyPair(String label, KeyPairSpec spec, KeyPairUsage usage, LabelCheck check) {
        requireOpen();
        checkLabel(label);
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(check, "check");
        if (spec.family() == KeyPairSpec.Family.EC && usage == KeyPairUsage.DECRYPT) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "an EC key pair cannot decrypt; " + spec + " allows only "
                    + KeyPairUsage.SIGN);
        }
        keys.serialised(() -> {
            pairs.refuseGenerating(label);
            if (check == LabelCheck.SEARCH_TOKEN) {
                keys.refuseTaken(label);
            }
            pairs.startGenerating(label);
            return null;
        });
        try {
            return pairs.generate(label, spec, usage);
        } finally {
            pairs.doneGenerating(label);
        }
    }

    @Override
    public Optional<HsmKeyPair> findKeyPair(String label) {
        requireOpen();
        checkLabel(label);
        return keys.serialised(() -> pairs.find(label));
    }

    /** One search for every private key and one for every public key, as {@link #findKeys} does for AES keys. */
    @Override
    public Map<String, HsmKeyPair> findKeyPairs(Collection<String> labels) {
        requireOpen();
        Set<String> wanted = new HashSet<>(labels);
        wanted.forEach(Pkcs11Hsm::checkLabel);
        return keys.serialised(() -> pairs.findAll(labels, wanted));
    }

    @Override
    public byte[] rsaOaepDecrypt(HsmKeyRef privateKey, byte[] ciphertext) {
        requireOpen();
        KeyPairs.PairRef ref = refs.pair(privateKey, KeyPairUsage.DECRYPT);
        Objects.requireNonNull(ciphertext, "ciphertext");
        return pairs.rsaOaepDecrypt(ref, ciphertext);
    }

    @Override
    public byte[] signDigest(HsmKeyRef privateKey, SignatureScheme scheme, byte[] digest) {
        requireOpen();
        KeyPairs.PairRef ref = refs.pair(privateKey, KeyPairUsage.SIGN);
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(digest, "digest");
        IssuedRefs.checkSignature(ref.label(), ref.spec(), scheme, digest);
        return pairs.signDigest(ref, scheme, digest);
    }

    @Override
    public byte[] randomBytes(int length) {
        requireOpen();
        if (length < 0 || length > MAX_RANDOM_BYTES) {
            throw new IllegalArgumentException("random length must be between 0 and " + MAX_RANDOM_BYTES + ", got " + length);
        }
        byte[] out = new byte[length];
        return length == 0 ? out : operations.fillRandom(out);
    }

    @Override
    public boolean destroyKey(String label) {
        requireOpen();
        checkLabel(label);
        return keys.serialised(() -> {
            boolean destroyed = keys.destroy(label);
            macKeys.forget(label);
            return pairs.destroy(label) || destroyed;
        });
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        requireOpen();
        checkLabel(label);
        return keys.serialised(() -> pairs.describe(label).orElseGet(() -> keys.describe(label)));
    }

    @Override
    public HsmHealth health() {
        if (closed) {
            return new HsmHealth(false, "closed");
        }
        Pkcs11HealthProbe.Result r = probe.probe();
        if (r.needsLogin()) {
            try {
                providerKeys.reloadKeyStore();
                return probe.probe().health();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "HSM re-login failed: {0}", CkrErrorMapper.map(e, "login").kind());
            }
        }
        return r.health();
    }

    @Override
    public HsmInfo info() {
        Pkcs11Native.TokenInfo t = token.info();
        return new HsmInfo(profile.name(), token.library().toString(), t.label(), t.manufacturer(), t.model(),
                providerKeys.makesSessionCopies(), config.sessions());
    }

    /** Pooled sessions from memory; a single module is never re-initialised (see {@link RecoveringHsm}). */
    @Override
    public Optional<HsmStats> stats() {
        return Optional.of(new HsmStats(!closed, operations.sessionsInUse(), operations.sessionsMax(), 0));
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
        keys.forgetAll();
        macKeys.forgetAll();
        pairs.forgetAll();
        operations.close();
        objects.close();
        LOG.log(Level.INFO, "HSM closed: token ''{0}''", token.info().label());
    }

    @Override
    public String toString() {
        return "Pkcs11Hsm[" + profile.name() + ", token '" + token.info().label() + "', " + config.sessions() + " sessions]";
    }

    /** How many times the KeyStore was loaded again since open (each lists the token): for tests. */
    long keyStoreReloads() {
        return providerKeys.keyStoreReloads();
    }

    /** Whether keys are made from their handles ({@link TokenKeyLoader}) rather than through the KeyStore. */
    boolean loadsKeysByHandle() {
        return providerKeys.loadsByHandle();
    }

    /** The SunPKCS11 provider of this instance: for tests in this package that need raw JCA access. */
    Provider provider() {
        return token.provider();
    }

    // ---- arguments ----

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
