package coffre.hsm.pkcs11;

import static coffre.hsm.pkcs11.Pkcs11Native.CKM_GENERIC_SECRET_KEY_GEN;
import static coffre.hsm.pkcs11.Pkcs11Native.CKM_SHA256_HMAC;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HMAC-SHA-256 keys of one {@link Pkcs11Hsm}, and the MACs computed with them, through the
 * PKCS#11 wrapper on its {@link ObjectSession}.
 *
 * <p>Why the wrapper and not the JCA: SunPKCS11 can neither label a generated key nor store a
 * generic secret without a software import, so {@code C_GenerateKey} with
 * {@code CKM_GENERIC_SECRET_KEY_GEN} and {@link KeyTemplates#macKey} makes the key inside the HSM
 * directly as a labelled token object, and {@code C_SignInit}/{@code C_Sign} with
 * {@code CKM_SHA256_HMAC} computes the MAC on its handle.
 *
 * <p>Why the object session and no pool: MACs are rare (an audit checkpoint every few seconds).
 * The session's lock makes each init-and-sign pair atomic, so concurrent callers are safe and never
 * see each other's operation state, without taking an operation session from encrypt and decrypt.
 *
 * <p>References are one per label and survive a changed handle: when the HSM no longer knows the
 * handle but the label is still on the token, the reference is pointed at the object found again.
 * A key that cannot be found while the token does not answer is {@link HsmErrorKind#UNAVAILABLE},
 * never "gone": a token briefly away must not look like a destroyed audit key.
 */
final class MacKeys {
    private static final System.Logger LOG = System.getLogger(MacKeys.class.getName());

    /** A MAC key of this instance: its label and its current handle. */
    static final class MacKeyRef extends IssuedKeyRef {
        private volatile long handle;

        private MacKeyRef(MacKeys issuer, String label, long handle) {
            super(issuer, label);
            this.handle = handle;
        }

        long handle() {
            return handle;
        }

        @Override
        String details() {
            return ", HMAC";
        }
    }

    private final ObjectSession objects;
    private final Pkcs11HealthProbe probe;
    private final ConcurrentHashMap<String, MacKeyRef> refs = new ConcurrentHashMap<>();

    MacKeys(ObjectSession objects, Pkcs11HealthProbe probe) {
        this.objects = objects;
        this.probe = probe;
    }

    /** The bounds {@link coffre.hsm.Hsm#importMacKey} promises, checked before the HSM sees the value. */
    static void checkValue(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (value.length < coffre.hsm.Hsm.MIN_IMPORTED_MAC_BYTES || value.length > coffre.hsm.Hsm.MAX_IMPORTED_MAC_BYTES) {
            throw new IllegalArgumentException("an imported MAC key holds " + coffre.hsm.Hsm.MIN_IMPORTED_MAC_BYTES + " to "
                    + coffre.hsm.Hsm.MAX_IMPORTED_MAC_BYTES + " bytes, got " + value.length);
        }
    }

    /** Generates the key; the caller has checked that no key uses {@code label} and serialises creation. */
    MacKeyRef generate(String label) {
        long handle;
        try {
            handle = objects.use(session -> objects.module().generateKey(session, CKM_GENERIC_SECRET_KEY_GEN,
                    KeyTemplates.macKey(label)));
        } catch (RuntimeException e) {
            throw probe.outageOr("generate MAC key", CkrErrorMapper.map(e, "generate MAC key"));
        }
        MacKeyRef ref = new MacKeyRef(this, label, handle);
        refs.put(label, ref);
        return ref;
    }

    /**
     * Stores {@code value} as an HMAC key under {@code label} ({@link KeyTemplates#importedMacKey});
     * the caller has checked that no key uses {@code label}, serialises creation and zeroes its array.
     */
    MacKeyRef importKey(String label, byte[] value) {
        long handle;
        try {
            handle = objects.use(session -> objects.module().createObject(session,
                    KeyTemplates.importedMacKey(label, value)));
        } catch (RuntimeException e) {
            throw probe.outageOr("import MAC key", CkrErrorMapper.map(e, "import MAC key"));
        }
        MacKeyRef ref = new MacKeyRef(this, label, handle);
        refs.put(label, ref);
        return ref;
    }

    /**
     * The MAC key under {@code label}, or empty if the token has none.
     *
     * @throws HsmException {@link HsmErrorKind#UNAVAILABLE} when nothing is found because the token
     *                      does not answer; {@link HsmErrorKind#INTERNAL} when two MAC keys share the label
     */
    Optional<MacKeyRef> find(String label) {
        Optional<Long> handle = handle(label);
        if (handle.isEmpty()) {
            if (!probe.tokenReachable()) {
                throw probe.unavailable("find MAC key", null);
            }
            return Optional.empty();
        }
        long h = handle.get();
        return Optional.of(refs.compute(label, (l, old) -> {
            if (old == null || old.destroyed()) {
                return new MacKeyRef(this, l, h);
            }
            old.handle = h;
            return old;
        }));
    }

    /** HMAC-SHA-256 of {@code data} with {@code ref}, inside the HSM; 32 bytes. */
    byte[] hmacSha256(MacKeyRef ref, byte[] data) {
        Objects.requireNonNull(data, "data");
        if (ref.destroyed()) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "MAC key '" + ref.label() + "' was destroyed");
        }
        long used = ref.handle;
        try {
            return sign(used, data);
        } catch (HsmException e) {
            if (e.kind() == HsmErrorKind.UNAVAILABLE && !CkrErrorMapper.answeredByHsm(e)) {
                throw e;
            }
            if (!CkrErrorMapper.answeredByHsm(e)) {
                throw probe.outageOr("HMAC", e);
            }
            // The handle may be stale (the module re-read the token) or the token gone: ask by label.
            Optional<Long> again = probe.tokenReachable() ? handle(ref.label()) : Optional.empty();
            if (again.isEmpty()) {
                throw probe.unavailable("HMAC with key '" + ref.label() + "'", e);
            }
            if (again.get() == used) {
                throw e;
            }
            ref.handle = again.get();
            LOG.log(Level.WARNING, "MAC key {0} found again on the token after a fault; MACs resume", ref.label());
            return sign(again.get(), data);
        }
    }

    /** Makes every reference to {@code label} unusable: its object was destroyed. */
    void forget(String label) {
        MacKeyRef old = refs.remove(label);
        if (old != null) {
            old.markDestroyed();
        }
    }

    /** Makes every reference unusable (the owning instance is closing). */
    void forgetAll() {
        refs.values().forEach(MacKeyRef::markDestroyed);
        refs.clear();
    }

    private byte[] sign(long handle, byte[] data) {
        try {
            return objects.use(session -> objects.module().sign(session, CKM_SHA256_HMAC, handle, data));
        } catch (RuntimeException e) {
            throw CkrErrorMapper.map(e, "HMAC");
        }
    }

    private Optional<Long> handle(String label) {
        long[] handles;
        try {
            handles = objects.use(session -> objects.module().findObjects(session, KeyTemplates.findMacByLabel(label)));
        } catch (RuntimeException e) {
            throw CkrErrorMapper.map(e, "find MAC key");
        }
        if (handles.length > 1) {
            throw new HsmException(HsmErrorKind.INTERNAL, handles.length + " MAC keys are labelled '" + label + "'");
        }
        return handles.length == 0 ? Optional.empty() : Optional.of(handles[0]);
    }
}
