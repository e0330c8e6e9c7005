package coffre.hsm.pkcs11;

import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.pkcs11.Pkcs11Native.Attr;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static coffre.hsm.pkcs11.Pkcs11Native.CKA_CLASS;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_DECRYPT;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_DERIVE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_EC_PARAMS;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_ENCRYPT;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_EXTRACTABLE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_ID;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_KEY_TYPE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_LABEL;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_MODULUS_BITS;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_PRIVATE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_PUBLIC_EXPONENT;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_SENSITIVE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_SIGN;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_SIGN_RECOVER;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_TOKEN;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_UNWRAP;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_VERIFY;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_VERIFY_RECOVER;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_WRAP;
import static coffre.hsm.pkcs11.Pkcs11Native.CKK_EC;
import static coffre.hsm.pkcs11.Pkcs11Native.CKK_RSA;
import static coffre.hsm.pkcs11.Pkcs11Native.CKO_PRIVATE_KEY;
import static coffre.hsm.pkcs11.Pkcs11Native.CKO_PUBLIC_KEY;

/**
 * The PKCS#11 attribute choices for Coffre's key pairs ({@link coffre.hsm.Hsm#generateKeyPair}), in
 * one place, as {@link KeyTemplates} holds them for secret keys.
 *
 * <p>Why every attribute is spelled out: an HSM's defaults differ by vendor (some make private keys
 * extractable, or able to unwrap, unless told otherwise). The private key is a private token object,
 * {@code CKA_SENSITIVE=true} and {@code CKA_EXTRACTABLE=false} (so the HSM sets {@code CKA_LOCAL},
 * {@code CKA_ALWAYS_SENSITIVE} and {@code CKA_NEVER_EXTRACTABLE}), and allowed exactly one use:
 * {@code CKA_DECRYPT} for a {@link KeyPairUsage#DECRYPT} pair or {@code CKA_SIGN} for a
 * {@link KeyPairUsage#SIGN} pair, never unwrap, derive or sign-recover. The public key is a public
 * token object under the same label and {@code CKA_ID}, allowed only the matching public operation
 * (encrypt or verify); Coffre never uses it in the HSM but reads it back to hand out the public key.
 * RSA keys have the public exponent 65537 (F4); EC keys name their curve by OID in
 * {@code CKA_EC_PARAMS}.
 */
final class KeyPairTemplates {
    /** 65537, big-endian, as {@code CKA_PUBLIC_EXPONENT} takes it. */
    static final byte[] F4 = {1, 0, 1};

    /** DER of the OID 1.2.840.10045.3.1.7 (NIST P-256, secp256r1). */
    private static final byte[] P256 = HexFormat.of().parseHex("06082a8648ce3d030107");
    /** DER of the OID 1.3.132.0.34 (NIST P-384, secp384r1). */
    private static final byte[] P384 = HexFormat.of().parseHex("06052b81040022");

    /** The usages a key pair's halves could have, each set explicitly. */
    private static final List<Long> PRIVATE_USAGES = List.of(CKA_DECRYPT, CKA_SIGN, CKA_SIGN_RECOVER, CKA_UNWRAP, CKA_DERIVE);
    private static final List<Long> PUBLIC_USAGES = List.of(CKA_ENCRYPT, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP, CKA_DERIVE);

    private KeyPairTemplates() {
    }

    /** The {@code C_GenerateKeyPair} mechanism for {@code spec}. */
    static long mechanism(KeyPairSpec spec) {
        return spec.family() == KeyPairSpec.Family.RSA ? Pkcs11Native.CKM_RSA_PKCS_KEY_PAIR_GEN
                : Pkcs11Native.CKM_EC_KEY_PAIR_GEN;
    }

    /** The public half's template: a public token object under {@code label} and {@code id}. */
    static List<Attr> publicKey(String label, byte[] id, KeyPairSpec spec, KeyPairUsage usage) {
        List<Attr> t = new ArrayList<>(List.of(Attr.of(CKA_CLASS, CKO_PUBLIC_KEY), Attr.of(CKA_KEY_TYPE, keyType(spec)),
                Attr.of(CKA_TOKEN, true), Attr.of(CKA_PRIVATE, false), Attr.of(CKA_LABEL, label), new Attr(CKA_ID, id)));
        if (spec.family() == KeyPairSpec.Family.RSA) {
            t.add(Attr.of(CKA_MODULUS_BITS, (long) spec.bits()));
            t.add(new Attr(CKA_PUBLIC_EXPONENT, F4.clone()));
        } else {
            t.add(new Attr(CKA_EC_PARAMS, curveOid(spec)));
        }
        long allowed = usage == KeyPairUsage.DECRYPT ? CKA_ENCRYPT : CKA_VERIFY;
        for (long u : PUBLIC_USAGES) {
            t.add(Attr.of(u, u == allowed));
        }
        return List.copyOf(t);
    }

    /**
     * The private half's template: a private token object under {@code label} and {@code id},
     * sensitive, not extractable, allowed only what {@code usage} says.
     */
    static List<Attr> privateKey(String label, byte[] id, KeyPairSpec spec, KeyPairUsage usage) {
        List<Attr> t = new ArrayList<>(List.of(Attr.of(CKA_CLASS, CKO_PRIVATE_KEY), Attr.of(CKA_KEY_TYPE, keyType(spec)),
                Attr.of(CKA_TOKEN, true), Attr.of(CKA_PRIVATE, true), Attr.of(CKA_LABEL, label), new Attr(CKA_ID, id),
                Attr.of(CKA_SENSITIVE, true), Attr.of(CKA_EXTRACTABLE, false)));
        long allowed = usage == KeyPairUsage.DECRYPT ? CKA_DECRYPT : CKA_SIGN;
        for (long u : PRIVATE_USAGES) {
            t.add(Attr.of(u, u == allowed));
        }
        return List.copyOf(t);
    }

    /** Every private key on the token, or those under {@code label} when it is not null. */
    static List<Attr> findPrivate(String label) {
        return find(CKO_PRIVATE_KEY, label);
    }

    /** Every public key on the token, or those under {@code label} when it is not null. */
    static List<Attr> findPublic(String label) {
        return find(CKO_PUBLIC_KEY, label);
    }

    private static List<Attr> find(long objectClass, String label) {
        return label == null ? List.of(Attr.of(CKA_TOKEN, true), Attr.of(CKA_CLASS, objectClass))
                : List.of(Attr.of(CKA_TOKEN, true), Attr.of(CKA_CLASS, objectClass), Attr.of(CKA_LABEL, label));
    }

    /** The DER OID that {@code CKA_EC_PARAMS} holds for an EC spec. */
    static byte[] curveOid(KeyPairSpec spec) {
        return switch (spec) {
            case EC_P256 -> P256.clone();
            case EC_P384 -> P384.clone();
            default -> throw new IllegalArgumentException(spec + " is not an EC spec");
        };
    }

    /** The EC spec whose curve {@code ecParams} names, if Coffre uses it. */
    static Optional<KeyPairSpec> ecSpec(byte[] ecParams) {
        if (Arrays.equals(P256, ecParams)) {
            return Optional.of(KeyPairSpec.EC_P256);
        }
        return Arrays.equals(P384, ecParams) ? Optional.of(KeyPairSpec.EC_P384) : Optional.empty();
    }

    /** The RSA spec of a modulus of {@code bits} bits, if Coffre uses it. */
    static Optional<KeyPairSpec> rsaSpec(int bits) {
        return Arrays.stream(KeyPairSpec.values()).filter(s -> s.family() == KeyPairSpec.Family.RSA && s.bits() == bits)
                .findFirst();
    }

    private static long keyType(KeyPairSpec spec) {
        return spec.family() == KeyPairSpec.Family.RSA ? CKK_RSA : CKK_EC;
    }
}
