package coffre.hsm.pkcs11;

import static coffre.hsm.pkcs11.Pkcs11Native.CKA_CLASS;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_DECRYPT;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_DERIVE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_ENCRYPT;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_EXTRACTABLE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_KEY_TYPE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_LABEL;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_PRIVATE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_SENSITIVE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_SIGN;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_TOKEN;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_UNWRAP;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_VALUE_LEN;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_VERIFY;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_WRAP;
import static coffre.hsm.pkcs11.Pkcs11Native.CKK_GENERIC_SECRET;
import static coffre.hsm.pkcs11.Pkcs11Native.CKM_GENERIC_SECRET_KEY_GEN;
import static coffre.hsm.pkcs11.Pkcs11Native.CKM_SHA256_HMAC;
import static coffre.hsm.pkcs11.Pkcs11Native.CKO_SECRET_KEY;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.pkcs11.Pkcs11Native.Attr;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * HMAC-SHA-256 keys and MACs, through the PKCS#11 wrapper on the {@link ObjectSession}.
 *
 * <p>Why not the JCA: SunPKCS11 cannot give a generated key a label, and its {@code KeyStore}
 * stores generic secrets only through a software import. {@code C_GenerateKey} with
 * {@code CKM_GENERIC_SECRET_KEY_GEN} makes the 256-bit key inside the HSM directly as a labelled,
 * private token object — sensitive, never extractable, usable only to sign and verify — so the HSM
 * sets {@code CKA_LOCAL} and {@code CKA_NEVER_EXTRACTABLE}. MACs are rare (audit checkpoints every
 * few seconds), so they share the object session instead of taking an operation session.
 */
final class MacKeys {
    /** 256 bits. */
    static final long KEY_BYTES = 32;

    /** A MAC key resolved to its handle in this module. */
    record MacKeyRef(String label, long handle) implements HsmKeyRef {
        @Override
        public String toString() {
            return "MacKeyRef[" + label + "]";
        }
    }

    private final ObjectSession objects;

    MacKeys(ObjectSession objects) {
        this.objects = objects;
    }

    static List<Attr> generateTemplate(String label) {
        return List.of(Attr.of(CKA_CLASS, CKO_SECRET_KEY), Attr.of(CKA_KEY_TYPE, CKK_GENERIC_SECRET),
                Attr.of(CKA_VALUE_LEN, KEY_BYTES), Attr.of(CKA_TOKEN, true), Attr.of(CKA_PRIVATE, true),
                Attr.of(CKA_LABEL, label), Attr.of(CKA_SENSITIVE, true), Attr.of(CKA_EXTRACTABLE, false),
                Attr.of(CKA_SIGN, true), Attr.of(CKA_VERIFY, true), Attr.of(CKA_ENCRYPT, false),
                Attr.of(CKA_DECRYPT, false), Attr.of(CKA_WRAP, false), Attr.of(CKA_UNWRAP, false),
                Attr.of(CKA_DERIVE, false));
    }

    static List<Attr> findTemplate(String label) {
        return List.of(Attr.of(CKA_TOKEN, true), Attr.of(CKA_CLASS, CKO_SECRET_KEY),
                Attr.of(CKA_KEY_TYPE, CKK_GENERIC_SECRET), Attr.of(CKA_LABEL, label));
    }

    MacKeyRef generate(String label) {
        if (find(label).isPresent()) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "a MAC key labelled '" + label + "' already exists");
        }
        try {
            long handle = objects.use(session -> objects.module().generateKey(session, CKM_GENERIC_SECRET_KEY_GEN,
                    generateTemplate(label)));
            return new MacKeyRef(label, handle);
        } catch (RuntimeException e) {
            throw CkrErrorMapper.map(e, "generate MAC key");
        }
    }

    Optional<MacKeyRef> find(String label) {
        long[] handles;
        try {
            handles = objects.use(session -> objects.module().findObjects(session, findTemplate(label)));
        } catch (RuntimeException e) {
            throw CkrErrorMapper.map(e, "find MAC key");
        }
        if (handles.length > 1) {
            throw new HsmException(HsmErrorKind.INTERNAL, handles.length + " MAC keys are labelled '" + label + "'");
        }
        return handles.length == 0 ? Optional.empty() : Optional.of(new MacKeyRef(label, handles[0]));
    }

    byte[] hmacSha256(HsmKeyRef key, byte[] data) {
        Objects.requireNonNull(data, "data");
        if (!(key instanceof MacKeyRef mac)) {
            throw new HsmException(HsmErrorKind.INVALID_REQUEST, "not a MAC key of this HSM: " + key);
        }
        try {
            return objects.use(session -> objects.module().sign(session, CKM_SHA256_HMAC, mac.handle(), data));
        } catch (RuntimeException e) {
            throw CkrErrorMapper.map(e, "HMAC");
        }
    }
}
