package coffre.hsm.pkcs11;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;
import coffre.hsm.HsmInfo;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyRef;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An {@link Hsm} that re-initialises the PKCS#11 module after it fails, without a restart.
 *
 * <p>Why: once a module has lost its token (a device error, a network HSM gone, SoftHSM's token
 * directory taken away), it may never see it again in this process — SunPKCS11 keeps one wrapper
 * per library path and offers no {@code C_Finalize}/{@code C_Initialize}. So after an
 * {@link HsmErrorKind#UNAVAILABLE} failure this class opens a <em>new</em> {@link Pkcs11Hsm} over a
 * fresh byte copy of the library (a new path, so a new, freshly initialised module), swaps it in
 * and closes the old one. Until that succeeds, every call fails fast with {@code UNAVAILABLE}; a
 * reopen is attempted at most once per {@code retryInterval}, by the calling thread, so nothing
 * waits on a background thread and nothing hangs.
 *
 * <p>References it hands out name keys by label and kind, and are resolved against the current
 * module on use, so every holder (the key registry) recovers at once. Each reopen leaves the old
 * library copy loaded (a JVM cannot unload it): reopens are for faults, not routine.
 */
public final class RecoveringHsm implements Hsm {
    private static final System.Logger LOG = System.getLogger(RecoveringHsm.class.getName());

    private record LabelRef(String label, boolean mac) implements HsmKeyRef {
    }

    private record Generation(long number, Hsm hsm, ConcurrentHashMap<LabelRef, HsmKeyRef> resolved) {
    }

    private final Function<Long, Hsm> opener;
    private final Duration retryInterval;
    private volatile Generation current;
    private volatile long nextAttemptNanos;
    private volatile boolean broken;
    private volatile boolean closed;

    private RecoveringHsm(Function<Long, Hsm> opener, Duration retryInterval) {
        this.opener = opener;
        this.retryInterval = retryInterval;
        this.current = new Generation(0, opener.apply(0L), new ConcurrentHashMap<>());
    }

    /**
     * Opens {@code config}; each re-initialisation loads a fresh copy of its library from
     * {@code copies} (a private directory). The first module uses the configured library itself.
     */
    public static RecoveringHsm open(Pkcs11HsmConfig config, Path copies, Duration retryInterval) {
        return new RecoveringHsm(copyingOpener(config, copies, false), retryInterval);
    }

    /**
     * Opens generation {@code n} of {@code config}'s module: over a fresh byte copy of its library
     * in {@code copies} (for n &gt; 0, or for every n when {@code copyFirst}).
     */
    static Function<Long, Hsm> copyingOpener(Pkcs11HsmConfig config, Path copies, boolean copyFirst) {
        Path library = config.resolvedLibrary();
        return generation -> {
            if (generation == 0 && !copyFirst) {
                return Pkcs11Hsm.open(config);
            }
            try {
                Files.createDirectories(copies);
                Path copy = copies.resolve("pkcs11-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".so");
                Files.copy(library, copy, StandardCopyOption.REPLACE_EXISTING);
                return Pkcs11Hsm.open(new Pkcs11HsmConfig(config.profile(), copy, config.token(), config.pin(),
                        config.sessions(), config.sessionKeyCopies()));
            } catch (IOException e) {
                throw new HsmException(HsmErrorKind.UNAVAILABLE, "cannot copy the PKCS#11 library to reopen it",
                        null, e);
            }
        };
    }

    /** For tests: re-initialisations use {@code opener} (called with 1, 2, ... for each reopen). */
    static RecoveringHsm open(Function<Long, Hsm> opener, Duration retryInterval) {
        return new RecoveringHsm(opener, retryInterval);
    }

    /** How many times the module was re-initialised. */
    public long reopenCount() {
        return current.number();
    }

    private Generation usable() {
        if (closed) {
            throw new IllegalStateException("the HSM is closed");
        }
        Generation g = current;
        if (!broken) {
            return g;
        }
        synchronized (this) {
            if (current != g || !broken) {
                return current;
            }
            if (System.nanoTime() < nextAttemptNanos) {
                throw new HsmException(HsmErrorKind.UNAVAILABLE, "the HSM is unavailable; re-initialising");
            }
            nextAttemptNanos = System.nanoTime() + retryInterval.toNanos();
            try {
                Hsm fresh = opener.apply(g.number() + 1);
                current = new Generation(g.number() + 1, fresh, new ConcurrentHashMap<>());
                broken = false;
                LOG.log(Level.WARNING, "PKCS#11 module re-initialised (generation {0})", g.number() + 1);
                closeQuietly(g.hsm());
                return current;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "PKCS#11 module still unavailable: {0}", e.getMessage());
                throw new HsmException(HsmErrorKind.UNAVAILABLE, "the HSM is unavailable; re-initialising", null, e);
            }
        }
    }

    private <T> T call(Function<Generation, T> operation) {
        Generation g = usable();
        try {
            return operation.apply(g);
        } catch (HsmException e) {
            if (e.kind() == HsmErrorKind.UNAVAILABLE) {
                markBroken(g);
            }
            throw e;
        }
    }

    private void markBroken(Generation g) {
        synchronized (this) {
            if (current == g && !broken) {
                broken = true;
                nextAttemptNanos = 0;
                LOG.log(Level.WARNING, "HSM unavailable; the module will be re-initialised on the next call");
            }
        }
    }

    private HsmKeyRef resolve(Generation g, HsmKeyRef key) {
        if (!(key instanceof LabelRef ref)) {
            throw new IllegalArgumentException("HsmKeyRef " + key + " was not issued by this Hsm");
        }
        HsmKeyRef found = g.resolved().get(ref);
        if (found == null) {
            Optional<HsmKeyRef> lookup = ref.mac() ? g.hsm().findMacKey(ref.label()) : g.hsm().findKey(ref.label());
            // A key handed out before that is not on the token now: the token is not as it should be.
            found = lookup.orElseThrow(() -> new HsmException(HsmErrorKind.UNAVAILABLE,
                    "key '" + ref.label() + "' is not on the token now"));
            g.resolved().put(ref, found);
        }
        return found;
    }

    @Override
    public HsmKeyRef generateKey(String label) {
        return call(g -> {
            g.resolved().put(new LabelRef(label, false), g.hsm().generateKey(label));
            return new LabelRef(label, false);
        });
    }

    @Override
    public Optional<HsmKeyRef> findKey(String label) {
        return call(g -> g.hsm().findKey(label).map(found -> {
            g.resolved().put(new LabelRef(label, false), found);
            return new LabelRef(label, false);
        }));
    }

    @Override
    public GcmCiphertext encrypt(HsmKeyRef key, byte[] aad, byte[] plaintext) {
        return call(g -> g.hsm().encrypt(resolve(g, key), aad, plaintext));
    }

    @Override
    public byte[] decrypt(HsmKeyRef key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) {
        return call(g -> g.hsm().decrypt(resolve(g, key), iv, aad, ciphertextAndTag));
    }

    @Override
    public HsmKeyRef generateMacKey(String label) {
        return call(g -> {
            g.resolved().put(new LabelRef(label, true), g.hsm().generateMacKey(label));
            return new LabelRef(label, true);
        });
    }

    @Override
    public Optional<HsmKeyRef> findMacKey(String label) {
        return call(g -> g.hsm().findMacKey(label).map(found -> {
            g.resolved().put(new LabelRef(label, true), found);
            return new LabelRef(label, true);
        }));
    }

    @Override
    public byte[] hmacSha256(HsmKeyRef macKey, byte[] data) {
        return call(g -> g.hsm().hmacSha256(resolve(g, macKey), data));
    }

    @Override
    public byte[] randomBytes(int length) {
        return call(g -> g.hsm().randomBytes(length));
    }

    @Override
    public boolean destroyKey(String label) {
        return call(g -> {
            g.resolved().remove(new LabelRef(label, false));
            return g.hsm().destroyKey(label);
        });
    }

    @Override
    public HsmKeyAttributes describeKey(String label) {
        return call(g -> g.hsm().describeKey(label));
    }

    @Override
    public HsmHealth health() {
        try {
            return call(g -> g.hsm().health());
        } catch (HsmException e) {
            return new HsmHealth(false, "unavailable: " + e.getMessage());
        }
    }

    @Override
    public HsmInfo info() {
        return current.hsm().info();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(current.hsm());
    }

    private static void closeQuietly(Hsm hsm) {
        try {
            hsm.close();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a failed HSM module: {0}", e.toString());
        }
    }
}
