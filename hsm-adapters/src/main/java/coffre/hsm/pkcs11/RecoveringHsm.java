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
import coffre.hsm.pkcs11.ModuleSupervisor.Generation;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>This class answers the port's calls on the current module generation and hands out the
 * references; {@link ModuleSupervisor} owns the generations, the breaker and the background thread,
 * and {@link ModuleOpener} opens each module.
 */
public final class RecoveringHsm implements Hsm {

    /** What a reference names: an AES key, an HMAC key, or a key pair's private key. */
    private enum Kind { AES, MAC, PAIR }

    /** A key reference of this instance: a label and a kind, resolved per module generation. */
    private static final class Ref extends IssuedKeyRef {
        private final Kind kind;

        private Ref(RecoveringHsm issuer, String label, Kind kind) {
            super(issuer, label);
            this.kind = kind;
        }

        @Override
        String details() {
            return switch (kind) {
                case AES -> "";
                case MAC -> ", HMAC";
                case PAIR -> ", key pair";
            };
        }
    }

    private final ModuleSupervisor supervisor;
    private final ConcurrentHashMap<String, Ref> refs = new ConcurrentHashMap<>();

    private RecoveringHsm(ModuleOpener opener, HsmTimeouts timeouts) {
        this.supervisor = new ModuleSupervisor(opener, timeouts);
    }

    /**
     * Opens {@code config} (its {@link Pkcs11HsmConfig#timeouts()} apply); each re-initialisation
     * loads a fresh copy of its library from {@code copies}, a directory private to this process.
     * The first module uses the configured library itself.
     *
     * @throws HsmException when the first module cannot be opened (the server must not start)
     */
    public static RecoveringHsm open(Pkcs11HsmConfig config, Path copies) {
        return new RecoveringHsm(ModuleOpener.overLibraryCopies(config, copies, false), config.timeouts());
    }

    /** For tests: modules come from {@code opener}, called with 0, then 1, 2, ... for each re-initialisation. */
    static RecoveringHsm open(ModuleOpener opener, HsmTimeouts timeouts) {
        return new RecoveringHsm(opener, timeouts);
    }

    /** How many times the module was re-initialised. */
    public long reopenCount() {
        return supervisor.current().number();
    }

    /** The breaker's state (for tests). */
    HsmAvailability.Snapshot availability() {
        return supervisor.availability();
    }

    // ---- the port ----

    @Override
    public HsmKeyRef generateKey(String label, LabelCheck check) {
        return call(g -> issue(g, label, Kind.AES, g.hsm().generateKey(label, check)));
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        return call(g -> g.hsm().findKey(label).map(found -> issue(g, label, Kind.AES, found)));
    }

    @Override
    public Map<String, HsmKeyRef> findKeys(Collection<String> labels) {
        return call(g -> {
            Map<String, HsmKeyRef> issued = new LinkedHashMap<>();
            g.hsm().findKeys(labels).forEach((label, found) -> issued.put(label, issue(g, label, Kind.AES, found)));
            return issued;
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
        return call(g -> issue(g, label, Kind.MAC, g.hsm().generateMacKey(label)));
    }

    @Override
    public HsmKeyRef importMacKey(String label, byte[] value) {
        return call(g -> issue(g, label, Kind.MAC, g.hsm().importMacKey(label, value)));
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        return call(g -> g.hsm().findMacKey(label).map(found -> issue(g, label, Kind.MAC, found)));
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        Ref ref = own(macKey);
        return call(g -> g.hsm().hmacSha256(resolve(g, ref), data));
    }

    @Override
    public HsmKeyPair generateKeyPair(String label, KeyPairSpec spec, KeyPairUsage usage, LabelCheck check) {
        return call(g -> issue(g, label, g.hsm().generateKeyPair(label, spec, usage, check)));
    }

    @Override
    public Optional<HsmKeyPair> findKeyPair(String label) {
        return call(g -> g.hsm().findKeyPair(label).map(found -> issue(g, label, found)));
    }

    @Override
    public Map<String, HsmKeyPair> findKeyPairs(Collection<String> labels) {
        return call(g -> {
            Map<String, HsmKeyPair> issued = new LinkedHashMap<>();
            g.hsm().findKeyPairs(labels).forEach((label, found) -> issued.put(label, issue(g, label, found)));
            return issued;
        });
    }

    @Override
    public byte[] rsaOaepDecrypt(HsmKeyRef privateKey, byte[] ciphertext) {
        Ref ref = own(privateKey);
        return call(g -> g.hsm().rsaOaepDecrypt(resolve(g, ref), ciphertext));
    }

    @Override
    public byte[] signDigest(HsmKeyRef privateKey, SignatureScheme scheme, byte[] digest) {
        Ref ref = own(privateKey);
        return call(g -> g.hsm().signDigest(resolve(g, ref), scheme, digest));
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
                ref.markDestroyed();
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
        return supervisor.health();
    }

    @Override
    public HsmInfo info() {
        return supervisor.current().hsm().info();
    }

    /**
     * Up while the breaker lets calls through; sessions of the current module generation; one
     * re-initialisation per generation replaced (a module that recovered in place counts none).
     */
    @Override
    public Optional<HsmStats> stats() {
        Generation g = supervisor.current();
        HsmStats module = g.hsm().stats().orElse(new HsmStats(true, 0, 0, 0));
        return Optional.of(new HsmStats(!supervisor.closed() && supervisor.isUp() && module.available(),
                module.sessionsInUse(), module.sessionsMax(), g.number()));
    }

    @Override
    public void close() {
        supervisor.close();
    }

    @Override
    public String toString() {
        return "RecoveringHsm[generation " + supervisor.current().number() + ", " + (supervisor.isUp() ? "up" : "down") + "]";
    }

    // ---- calls ----

    private <T> T call(Function<Generation, T> operation) {
        if (supervisor.closed()) {
            throw new IllegalStateException("this Hsm is closed");
        }
        supervisor.requireUp();
        Generation g = supervisor.current();
        try {
            return operation.apply(g);
        } catch (HsmException e) {
            if (g != supervisor.current() && e.kind() != HsmErrorKind.AUTHENTICATION_FAILED
                    && e.kind() != HsmErrorKind.INVALID_REQUEST) {
                throw replaced(e);
            }
            if (e.kind() == HsmErrorKind.UNAVAILABLE) {
                supervisor.failed(g, e);
            }
            throw e;
        } catch (IllegalStateException e) {
            if (!supervisor.closed() && g != supervisor.current()) {
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

    /** This instance's reference for {@code label}, recorded as resolved on {@code g} to the module's {@code resolved}. */
    private Ref issue(Generation g, String label, Kind kind, HsmKeyRef resolved) {
        Ref ref = refs.compute(label, (l, old) -> old != null && !old.destroyed() && old.kind == kind ? old : new Ref(this, l, kind));
        g.resolved().put(ref, resolved);
        return ref;
    }

    /** {@code found} with its private key as this instance's reference. */
    private HsmKeyPair issue(Generation g, String label, HsmKeyPair found) {
        return new HsmKeyPair(issue(g, label, Kind.PAIR, found.privateKey()), found.spec(), found.usage(), found.publicKeyDer());
    }

    private Ref own(HsmKeyRef key) {
        Objects.requireNonNull(key, "key");
        return IssuedKeyRef.require(key, Ref.class, this);
    }

    /** The current module's reference for {@code ref}, looked up by label on first use in a generation. */
    private HsmKeyRef resolve(Generation g, Ref ref) {
        if (ref.destroyed()) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "key '" + ref.label() + "' was destroyed");
        }
        HsmKeyRef found = g.resolved().get(ref);
        if (found != null) {
            return found;
        }
        Optional<HsmKeyRef> lookup = switch (ref.kind) {
            case AES -> g.hsm().findKey(ref.label());
            case MAC -> g.hsm().findMacKey(ref.label());
            case PAIR -> g.hsm().findKeyPair(ref.label()).map(HsmKeyPair::privateKey);
        };
        // A key handed out before that is not on a token that answers: the token is not the one it
        // should be (or the key was destroyed elsewhere). Never forget the key for that.
        found = lookup.orElseThrow(() -> new HsmException(HsmErrorKind.UNAVAILABLE,
                "key '" + ref.label() + "' is not on the token now"));
        HsmKeyRef raced = g.resolved().putIfAbsent(ref, found);
        return raced != null ? raced : found;
    }
}
