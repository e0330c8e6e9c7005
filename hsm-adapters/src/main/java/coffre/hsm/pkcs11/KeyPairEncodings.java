package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.KeyPairSpec;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;

/**
 * Turns what a PKCS#11 token says about a key pair into the encodings the rest of Coffre (and every
 * client) uses: the public key as an X.509 {@code SubjectPublicKeyInfo}, and an ECDSA signature as
 * DER {@code SEQUENCE {r, s}}.
 *
 * <p>Why here: PKCS#11 hands out the public key as attributes ({@code CKA_MODULUS} and
 * {@code CKA_PUBLIC_EXPONENT}, or {@code CKA_EC_POINT}) and an ECDSA signature as the raw
 * {@code r || s} of the curve's size, while JDK, OpenSSL and Microsoft's clients read SPKI and DER.
 * The JDK's own {@code KeyFactory} does the SPKI encoding, so no ASN.1 is written by hand but the
 * two-integer signature sequence.
 */
final class KeyPairEncodings {
    private KeyPairEncodings() {
    }

    /** The SPKI of an RSA public key. */
    static byte[] rsaSpki(byte[] modulus, byte[] publicExponent) {
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(new BigInteger(1, modulus),
                    new BigInteger(1, publicExponent))).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new HsmException(HsmErrorKind.INTERNAL, "the token holds an RSA public key the JDK cannot encode", null, e);
        }
    }

    /**
     * The SPKI of an EC public key on {@code spec}'s curve, from {@code CKA_EC_POINT}: the uncompressed
     * point, which PKCS#11 wraps in a DER OCTET STRING (some modules hand it out bare).
     */
    static byte[] ecSpki(KeyPairSpec spec, byte[] ecPoint) {
        int n = fieldBytes(spec);
        byte[] point = ecPoint;
        if (point.length == 2 + 1 + 2 * n && point[0] == 0x04 && (point[1] & 0xFF) == 1 + 2 * n) {
            point = Arrays.copyOfRange(point, 2, point.length);
        }
        if (point.length != 1 + 2 * n || point[0] != 0x04) {
            throw new HsmException(HsmErrorKind.INTERNAL, "the token holds an EC point that is not an uncompressed "
                    + spec + " point");
        }
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec(spec == KeyPairSpec.EC_P256 ? "secp256r1" : "secp384r1"));
            ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 1 + n)),
                    new BigInteger(1, Arrays.copyOfRange(point, 1 + n, point.length)));
            return KeyFactory.getInstance("EC").generatePublic(
                    new ECPublicKeySpec(w, params.getParameterSpec(ECParameterSpec.class))).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new HsmException(HsmErrorKind.INTERNAL, "the token holds an EC public key the JDK cannot encode", null, e);
        }
    }

    /** The size in bytes of {@code spec}'s field (EC) or modulus (RSA). */
    static int fieldBytes(KeyPairSpec spec) {
        return (spec.bits() + 7) / 8;
    }

    /**
     * The DER {@code SEQUENCE {INTEGER r, INTEGER s}} of a raw PKCS#11 ECDSA signature
     * {@code r || s}, each half {@code fieldBytes} long.
     */
    static byte[] ecdsaDer(byte[] rawRs, int fieldBytes) {
        if (rawRs.length != 2 * fieldBytes) {
            throw new HsmException(HsmErrorKind.INTERNAL, "the HSM returned an ECDSA signature of " + rawRs.length
                    + " bytes, expected " + 2 * fieldBytes);
        }
        byte[] r = derInteger(Arrays.copyOfRange(rawRs, 0, fieldBytes));
        byte[] s = derInteger(Arrays.copyOfRange(rawRs, fieldBytes, rawRs.length));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        writeLength(out, r.length + s.length);
        out.writeBytes(r);
        out.writeBytes(s);
        return out.toByteArray();
    }

    /** A DER INTEGER of the unsigned big-endian {@code value}: minimal, with a 0 byte where the top bit is set. */
    private static byte[] derInteger(byte[] value) {
        byte[] minimal = new BigInteger(1, value).toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x02);
        writeLength(out, minimal.length);
        out.writeBytes(minimal);
        return out.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int length) {
        if (length < 0x80) {
            out.write(length);
        } else {
            out.write(0x81);
            out.write(length);
        }
    }
}
