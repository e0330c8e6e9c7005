package coffre.kms.cli.officerkeys;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;

/**
 * ECDSA P-256 signatures made by a given provider (a PKCS#11 token), in the raw {@code r||s} form
 * (IEEE P1363, 64 bytes) that the server verifies ({@code OfficerKeys}). Uses the provider's
 * {@code SHA256withECDSAinP1363Format} when it has one, else its {@code SHA256withECDSA} and converts
 * the DER {@code ECDSA-Sig-Value}.
 */
public final class EcdsaSignatures {

    /** Bytes of r and of s on P-256. */
    static final int P256_SCALAR_BYTES = 32;

    private EcdsaSignatures() {
    }

    /** Signs {@code statement} with {@code key} through {@code provider}; returns r||s. */
    public static byte[] signP256(PrivateKey key, Provider provider, byte[] statement) {
        try {
            Signature signer;
            boolean der = false;
            try {
                signer = Signature.getInstance("SHA256withECDSAinP1363Format", provider);
            } catch (NoSuchAlgorithmException e) {
                signer = Signature.getInstance("SHA256withECDSA", provider);
                der = true;
            }
            signer.initSign(key);
            signer.update(statement);
            byte[] signature = signer.sign();
            return der ? derToP1363(signature, P256_SCALAR_BYTES) : signature;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with the token key as ECDSA_P256_SHA256: " + e.getMessage(), e);
        }
    }

    /**
     * Converts a DER {@code SEQUENCE { INTEGER r, INTEGER s }} to r||s, each left-padded to {@code size} bytes.
     *
     * @throws IllegalArgumentException if {@code der} is not such a sequence or r or s does not fit
     */
    public static byte[] derToP1363(byte[] der, int size) {
        int[] pos = {0};
        if (der.length < 8 || der[pos[0]++] != 0x30) {
            throw new IllegalArgumentException("not a DER ECDSA signature");
        }
        int length = readLength(der, pos);
        if (pos[0] + length != der.length) {
            throw new IllegalArgumentException("not a DER ECDSA signature: wrong length");
        }
        BigInteger r = readInteger(der, pos);
        BigInteger s = readInteger(der, pos);
        if (pos[0] != der.length) {
            throw new IllegalArgumentException("not a DER ECDSA signature: trailing bytes");
        }
        byte[] out = new byte[2 * size];
        put(r, out, 0, size);
        put(s, out, size, size);
        return out;
    }

    private static int readLength(byte[] der, int[] pos) {
        if (pos[0] >= der.length) {
            throw new IllegalArgumentException("not a DER ECDSA signature: truncated");
        }
        int first = der[pos[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        if (first == 0x81 && pos[0] < der.length) {
            return der[pos[0]++] & 0xff;
        }
        throw new IllegalArgumentException("not a DER ECDSA signature: unsupported length");
    }

    private static BigInteger readInteger(byte[] der, int[] pos) {
        if (pos[0] >= der.length || der[pos[0]++] != 0x02) {
            throw new IllegalArgumentException("not a DER ECDSA signature: INTEGER expected");
        }
        int length = readLength(der, pos);
        if (length == 0 || pos[0] + length > der.length) {
            throw new IllegalArgumentException("not a DER ECDSA signature: bad INTEGER");
        }
        BigInteger value = new BigInteger(1, java.util.Arrays.copyOfRange(der, pos[0], pos[0] + length));
        if ((der[pos[0]] & 0x80) != 0) {
            throw new IllegalArgumentException("not a DER ECDSA signature: negative INTEGER");
        }
        pos[0] += length;
        return value;
    }

    private static void put(BigInteger value, byte[] out, int offset, int size) {
        byte[] bytes = value.toByteArray();
        int start = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
        int n = bytes.length - start;
        if (n > size) {
            throw new IllegalArgumentException("ECDSA signature value larger than " + size + " bytes");
        }
        System.arraycopy(bytes, start, out, offset + size - n, n);
    }
}
