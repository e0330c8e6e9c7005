package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;

import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.security.ProviderException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * The key pairs of one {@link Pkcs11Hsm}: generated inside the HSM ({@code C_GenerateKeyPair} with
 * {@link KeyPairTemplates}), found by label with their public key, resolved into {@link PairRef}s,
 * described and destroyed; their private-key operations (RSA-OAEP decryption, RSA-PSS and ECDSA
 * signatures over a digest) run inside the HSM on the pooled sessions ({@link PooledOperations}).
 *
 * <p>Why apart from {@link KeyObjects}: a pair is two objects (the private key to use, the public
 * key to hand out), its reference carries its spec and usage, and its operations take mechanism
 * parameters that SunPKCS11 does not pass; AES keys need none of that. What they share is kept the
 * same: a label is resolved once into a reference holding the private key's handle, so operations
 * do no lookup; when the HSM says a handle is gone the pair is found again by label and the
 * reference re-pointed; a search that finds nothing while the token does not answer is
 * {@link HsmErrorKind#UNAVAILABLE}, never "no such key"; lookups run on the {@link ObjectSession}.
 * The caller ({@link Pkcs11Hsm}) checks labels and serialises lookups and destruction.
 */
final class KeyPairs {
    private static final System.Logger LOG = System.getLogger(KeyPairs.class.getName());
    /** {@code CKA_ID} length: random, so the two halves of a pair find each other, and nothing else. */
    private static final int ID_BYTES = 16;
    /** The PSS salt of {@link SignatureScheme#RSA_PSS_SHA256}: the digest's length, as RFC 8017 advises. */
    private static final int PSS_SALT_BYTES = 32;

    /** A key pair of this instance: its label, spec, usage and the private key's current handle. */
    static final class PairRef extends IssuedKeyRef {
        private volatile long handle;
        private final KeyPairSpec spec;
        private final KeyPairUsage usage;

        private PairRef(KeyPairs issuer, String label, long handle, KeyPairSpec spec, KeyPairUsage usage) {
            super(issuer, label);
            this.handle = handle;
            this.spec = spec;
            this.usage = usage;
        }

        KeyPairSpec spec() {
            return spec;
        }

        KeyPairUsage usage() {
            return usage;
        }

        @Override
        String details() {
            return ", " + spec + " " + usage;
        }
    }

    /** A pair as the token holds it: the private key's handle and what its attributes say. */
    private record Found(long privateHandle, KeyPairSpec spec, KeyPairUsage usage, byte[] publicKeyDer) {
    }

    private final ObjectSession objects;
    private final PooledOperations operations;
    private final Pkcs11HealthProbe probe;
    private final ConcurrentHashMap<String, PairRef> refs = new ConcurrentHashMap<>();
    private final SecureRandom ids = new SecureRandom();
    /** Labels of pairs being generated now: generation runs outside the administration lock. */
    private final Set<String> generating = ConcurrentHashMap.newKeySet();

    KeyPairs(ObjectSession objects, PooledOperations operations, Pkcs11HealthProbe probe) {
        this.objects = objects;
        this.operations = operations;
        this.probe = probe;
    }

    /**
     * Refuses a label whose pair this instance is generating now; the caller holds the
     * administration lock, under which {@link #startGenerating} is called too.
     */
    void refuseGenerating(String label) {
        if (generating.contains(label)) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "a key labelled '" + label + "' already exists");
        }
    }

    /** Reserves {@code label} until {@link #doneGenerating}, so no other creation of this instance takes it. */
    void startGenerating(String label) {
        generating.add(label);
    }

    void doneGenerating(String label) {
        generating.remove(label);
    }

    /** Generates a pair under {@code label}; the caller has checked the label and the spec's usages. */
    HsmKeyPair generate(String label, KeyPairSpec spec, KeyPairUsage usage) {
        byte[] id = new byte[ID_BYTES];
        ids.nextBytes(id);
        long[] handles;
        try {
            handles = operations.generateKeyPair(KeyPairTemplates.mechanism(spec),
                    KeyPairTemplates.publicKey(label, id, spec, usage), KeyPairTemplates.privateKey(label, id, spec, usage));
        } catch (HsmException e) {
            throw probe.outageOr("generate key pair", e);
        }
        byte[] spki = read("generate key pair", session -> publicKeyDer(session, handles[0], spec));
        PairRef ref = bind(label, handles[1], spec, usage);
        LOG.log(Level.INFO, "generated key pair {0} ({1}, {2})", label, spec, usage);
        return new HsmKeyPair(ref, spec, usage, spki);
    }

    /** The pair under {@code label}, or empty if the token has none (a token that does not answer is UNAVAILABLE). */
    Optional<HsmKeyPair> find(String label) {
        long[] privates = read("find key pair", session -> objects.module().findObjects(session,
                KeyPairTemplates.findPrivate(label)));
        if (privates.length > 1) {
            throw new HsmException(HsmErrorKind.INTERNAL, privates.length + " private keys are labelled '" + label + "'");
        }
        if (privates.length == 0) {
            if (!probe.tokenReachable()) {
                throw probe.unavailable("find key pair", null);
            }
            return Optional.empty();
        }
        long[] publics = read("find key pair", session -> objects.module().findObjects(session,
                KeyPairTemplates.findPublic(label)));
        return Optional.of(issue(label, resolve(label, privates[0], Arrays.stream(publics).boxed().toList())));
    }

    /**
     * The pairs among {@code labels}, by label, in the order given: one search for every private
     * key and one for every public key of the token, with one label read per object, instead of two
     * searches per label (SoftHSM2 opens every object file on each search). A label held by several
     * private keys is left out (logged), as {@link #find} would refuse it.
     *
     * @param wanted the same labels as a set, for the O(1) test per object
     */
    Map<String, HsmKeyPair> findAll(Collection<String> labels, Set<String> wanted) {
        Map<String, HsmKeyPair> found = new LinkedHashMap<>();
        if (wanted.isEmpty()) {
            return found;
        }
        Map<String, List<Long>> privates = byLabel(KeyPairTemplates.findPrivate(null), wanted);
        if (privates.isEmpty()) {
            if (!probe.tokenReachable()) {
                throw probe.unavailable("find key pairs", null);
            }
            return found;
        }
        Map<String, List<Long>> publics = byLabel(KeyPairTemplates.findPublic(null), privates.keySet());
        for (String label : labels) {
            List<Long> h = privates.get(label);
            if (h == null || found.containsKey(label)) {
                continue;
            }
            if (h.size() > 1) {
                LOG.log(Level.ERROR, "{0} private keys are labelled ''{1}''; not using it", h.size(), label);
                continue;
            }
            found.put(label, issue(label, resolve(label, h.get(0), publics.getOrDefault(label, List.of()))));
        }
        return found;
    }

    /** RSA-OAEP decryption with {@code ref}'s private key; every ciphertext failure is AUTHENTICATION_FAILED. */
    byte[] rsaOaepDecrypt(PairRef ref, byte[] ciphertext) {
        int modulusBytes = KeyPairEncodings.fieldBytes(ref.spec());
        if (ciphertext.length != modulusBytes) {
            // As the HSM would answer it, without asking: a wrong length is one more forged ciphertext.
            throw CkrErrorMapper.authenticationFailed();
        }
        return operate(ref, handle -> operations.rsaOaepDecrypt(handle, ciphertext, modulusBytes));
    }

    /** A signature of {@code digest} with {@code ref}'s private key; the caller checked scheme and length. */
    byte[] signDigest(PairRef ref, SignatureScheme scheme, byte[] digest) {
        if (scheme == SignatureScheme.RSA_PSS_SHA256) {
            return operate(ref, handle -> operations.sign(handle, objects.module().pssSha256(PSS_SALT_BYTES), digest));
        }
        byte[] raw = operate(ref, handle -> operations.sign(handle,
                objects.module().plainMechanism(Pkcs11Native.CKM_ECDSA), digest));
        return KeyPairEncodings.ecdsaDer(raw, KeyPairEncodings.fieldBytes(ref.spec()));
    }

    /**
     * Destroys both halves of the pair under {@code label} and makes this instance's reference to it
     * unusable.
     *
     * @return whether an object was destroyed
     */
    boolean destroy(String label) {
        List<Long> handles = new ArrayList<>();
        read("destroy key pair", session -> {
            for (long h : objects.module().findObjects(session, KeyPairTemplates.findPrivate(label))) {
                handles.add(h);
            }
            for (long h : objects.module().findObjects(session, KeyPairTemplates.findPublic(label))) {
                handles.add(h);
            }
            for (long h : handles) {
                objects.module().destroyObject(session, h);
            }
            return null;
        });
        PairRef old = refs.remove(label);
        if (old != null) {
            old.markDestroyed();
        }
        if (!handles.isEmpty()) {
            LOG.log(Level.INFO, "destroyed key pair {0}", label);
        }
        return !handles.isEmpty();
    }

    /**
     * The security attributes of the private key under {@code label}, with the modulus (RSA) or
     * field (EC) size in bytes as the key length; empty if the token has no private key there.
     */
    Optional<HsmKeyAttributes> describe(String label) {
        return read("describe key", session -> {
            Pkcs11Native m = objects.module();
            long[] privates = m.findObjects(session, KeyPairTemplates.findPrivate(label));
            if (privates.length > 1) {
                throw new HsmException(HsmErrorKind.INTERNAL, privates.length + " private keys are labelled '" + label + "'");
            }
            if (privates.length == 0) {
                return Optional.<HsmKeyAttributes>empty();
            }
            long h = privates[0];
            KeyPairSpec spec = spec(session, h, label);
            return Optional.of(new HsmKeyAttributes(m.stringAttribute(session, h, Pkcs11Native.CKA_LABEL).orElse(""),
                    flag(m, session, h, Pkcs11Native.CKA_TOKEN), flag(m, session, h, Pkcs11Native.CKA_SENSITIVE),
                    flag(m, session, h, Pkcs11Native.CKA_EXTRACTABLE), flag(m, session, h, Pkcs11Native.CKA_NEVER_EXTRACTABLE),
                    flag(m, session, h, Pkcs11Native.CKA_LOCAL), KeyPairEncodings.fieldBytes(spec)));
        });
    }

    /** Makes every reference unusable (the owning instance is closing). */
    void forgetAll() {
        refs.values().forEach(PairRef::markDestroyed);
        refs.clear();
    }

    // ---- internals ----

    /**
     * Runs {@code operation} with {@code ref}'s private key handle. If the HSM says the handle (or
     * its session) is gone, the pair is found again by label, the reference re-pointed (to the
     * same handle, possibly), and the operation retried once; a pair that this instance did not destroy and cannot find now means
     * the token is not usable as it should be: {@link HsmErrorKind#UNAVAILABLE}.
     */
    private <T> T operate(PairRef ref, LongFunction<T> operation) {
        if (ref.destroyed()) {
            throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "key pair '" + ref.label() + "' was destroyed");
        }
        long used = ref.handle;
        try {
            return operation.apply(used);
        } catch (HsmException e) {
            if (!CkrErrorMapper.answeredByHsm(e)) {
                throw e;
            }
            long[] again;
            try {
                again = probe.tokenReachable() ? read("find key pair", session -> objects.module().findObjects(session,
                        KeyPairTemplates.findPrivate(ref.label()))) : new long[0];
            } catch (HsmException lookup) {
                again = new long[0];
            }
            if (again.length != 1) {
                throw new HsmException(HsmErrorKind.UNAVAILABLE, "key pair '" + ref.label()
                        + "' is not usable on the token now; the HSM or its token is unavailable", e.pkcs11Code().orElse(null), e);
            }
            // The same handle may come back: SoftHSM re-reads a token that returned during the search,
            // and the object behind the handle is valid again. Either way, one retry.
            ref.handle = again[0];
            LOG.log(Level.WARNING, "key pair {0} found again on the token after a fault; operations resume", ref.label());
            return operation.apply(again[0]);
        }
    }

    private HsmKeyPair issue(String label, Found f) {
        return new HsmKeyPair(bind(label, f.privateHandle(), f.spec(), f.usage()), f.spec(), f.usage(), f.publicKeyDer());
    }

    /** The reference for {@code label}: the one held, re-pointed at {@code handle}, if it is of the same spec and usage. */
    private PairRef bind(String label, long handle, KeyPairSpec spec, KeyPairUsage usage) {
        return refs.compute(label, (l, old) -> {
            if (old != null && !old.destroyed() && old.spec == spec && old.usage == usage) {
                old.handle = handle;
                return old;
            }
            return new PairRef(this, l, handle, spec, usage);
        });
    }

    /** The pair whose private key is {@code privateHandle}, its public key among {@code publics} (same {@code CKA_ID}). */
    private Found resolve(String label, long privateHandle, List<Long> publics) {
        return read("find key pair", session -> {
            Pkcs11Native m = objects.module();
            KeyPairSpec spec = spec(session, privateHandle, label);
            boolean decrypt = flag(m, session, privateHandle, Pkcs11Native.CKA_DECRYPT);
            boolean sign = flag(m, session, privateHandle, Pkcs11Native.CKA_SIGN);
            if (decrypt == sign) {
                throw new HsmException(HsmErrorKind.INTERNAL, "private key '" + label + "' may "
                        + (decrypt ? "both decrypt and sign" : "neither decrypt nor sign") + "; Coffre makes none such");
            }
            byte[] id = m.bytesAttribute(session, privateHandle, Pkcs11Native.CKA_ID).orElse(new byte[0]);
            long publicHandle = -1;
            for (long p : publics) {
                if (Arrays.equals(id, m.bytesAttribute(session, p, Pkcs11Native.CKA_ID).orElse(null))) {
                    if (publicHandle != -1) {
                        throw new HsmException(HsmErrorKind.INTERNAL, "two public keys belong to key pair '" + label + "'");
                    }
                    publicHandle = p;
                }
            }
            if (publicHandle == -1) {
                throw new HsmException(HsmErrorKind.INTERNAL, "key pair '" + label + "' has no public key on the token");
            }
            return new Found(privateHandle, spec, decrypt ? KeyPairUsage.DECRYPT : KeyPairUsage.SIGN,
                    publicKeyDer(session, publicHandle, spec));
        });
    }

    /** What a private (or public) key object is, from its type and modulus or curve. */
    private KeyPairSpec spec(long session, long handle, String label) {
        Pkcs11Native m = objects.module();
        long type = m.longAttribute(session, handle, Pkcs11Native.CKA_KEY_TYPE).orElse(-1L);
        Optional<KeyPairSpec> spec = Optional.empty();
        if (type == Pkcs11Native.CKK_RSA) {
            spec = m.bytesAttribute(session, handle, Pkcs11Native.CKA_MODULUS)
                    .flatMap(n -> KeyPairTemplates.rsaSpec(new BigInteger(1, n).bitLength()));
        } else if (type == Pkcs11Native.CKK_EC) {
            spec = m.bytesAttribute(session, handle, Pkcs11Native.CKA_EC_PARAMS).flatMap(KeyPairTemplates::ecSpec);
        }
        return spec.orElseThrow(() -> new HsmException(HsmErrorKind.INTERNAL, "key pair '" + label
                + "' is of no spec Coffre uses (" + Arrays.toString(KeyPairSpec.values()) + ")"));
    }

    private byte[] publicKeyDer(long session, long publicHandle, KeyPairSpec spec) {
        Pkcs11Native m = objects.module();
        if (spec.family() == KeyPairSpec.Family.RSA) {
            return KeyPairEncodings.rsaSpki(required(m, session, publicHandle, Pkcs11Native.CKA_MODULUS),
                    required(m, session, publicHandle, Pkcs11Native.CKA_PUBLIC_EXPONENT));
        }
        return KeyPairEncodings.ecSpki(spec, required(m, session, publicHandle, Pkcs11Native.CKA_EC_POINT));
    }

    private static byte[] required(Pkcs11Native m, long session, long handle, long type) {
        return m.bytesAttribute(session, handle, type).orElseThrow(() -> new HsmException(HsmErrorKind.INTERNAL,
                "a public key on the token lacks attribute 0x" + Long.toHexString(type)));
    }

    /** The handles of the objects matching {@code template} whose label is in {@code wanted}, by label. */
    private Map<String, List<Long>> byLabel(List<Pkcs11Native.Attr> template, Set<String> wanted) {
        return read("find key pairs", session -> {
            Map<String, List<Long>> byLabel = new HashMap<>();
            for (long handle : objects.module().findObjects(session, template)) {
                objects.module().stringAttribute(session, handle, Pkcs11Native.CKA_LABEL).filter(wanted::contains)
                        .ifPresent(l -> byLabel.computeIfAbsent(l, x -> new ArrayList<>()).add(handle));
            }
            return byLabel;
        });
    }

    /** {@code action} on the object session, its failures translated (a token that is gone reads UNAVAILABLE). */
    private <T> T read(String operation, LongFunction<T> action) {
        try {
            return objects.use(action);
        } catch (ProviderException e) {
            throw probe.outageOr(operation, CkrErrorMapper.map(e, operation));
        }
    }

    private static boolean flag(Pkcs11Native m, long session, long handle, long type) {
        return m.booleanAttribute(session, handle, type).orElse(false);
    }
}
