package coffre.kms.v1.signing;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.ECPoint;
import java.util.HexFormat;

/**
 * The one DER encoding of an officer public key, and the point checks behind it.
 *
 * <p>Why: an officer is identified by its key. If two encodings of one key were both accepted
 * (an explicit NULL parameter, long-form lengths, a different point format...), the holder of one
 * private key could be registered twice under two names and meet an M-of-N rule alone. So the
 * encoding is rebuilt here from the key's mathematical value — never echoed from the JDK's parser,
 * which may keep what it was given — and an input that differs from it by a single byte is refused.
 *
 * <p>Ed25519: {@code 302a300506032b6570032100 || 32 bytes} (RFC 8410, no parameters), with a
 * y-coordinate below p and a point that is on the curve and not of small order (a small-order key
 * lets anyone forge signatures for it). P-256: {@code 3059...0342 00 04 || x || y} (RFC 5480, the
 * named curve, the uncompressed point), with the point on the curve.
 */
final class CanonicalKeys {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] ED25519_PREFIX = HEX.parseHex("302a300506032b6570032100");
    private static final byte[] P256_PREFIX = HEX.parseHex("3059301306072a8648ce3d020106082a8648ce3d03010703420004");

    // Curve25519 in twisted Edwards form: -x^2 + y^2 = 1 + d x^2 y^2 over GF(p), p = 2^255 - 19.
    private static final BigInteger ED_P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger ED_D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(ED_P)).mod(ED_P);
    private static final BigInteger SQRT_MINUS_ONE = BigInteger.TWO.modPow(ED_P.subtract(BigInteger.ONE)
            .shiftRight(2), ED_P);

    // P-256 (FIPS 186-4 D.1.2.3): y^2 = x^3 - 3x + b over GF(p).
    private static final BigInteger P256_P = new BigInteger(
            "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16);
    private static final BigInteger P256_B = new BigInteger(
            "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16);

    private CanonicalKeys() {
    }

    /** The canonical SubjectPublicKeyInfo of an Ed25519 key, after checking its point. */
    static byte[] ed25519(EdECPublicKey key) {
        BigInteger y = key.getPoint().getY();
        boolean xOdd = key.getPoint().isXOdd();
        if (y.signum() < 0 || y.compareTo(ED_P) >= 0) {
            throw new IllegalArgumentException("the Ed25519 point's y-coordinate is not reduced (not a canonical encoding)");
        }
        BigInteger[] point = {recoverX(y, xOdd), y};
        for (int i = 0; i < 3; i++) {
            point = edDouble(point);
        }
        // 8P is the neutral element (0, 1) exactly when P has small order (the curve's cofactor is 8).
        if (point[0].signum() == 0 && point[1].equals(BigInteger.ONE)) {
            throw new IllegalArgumentException("the Ed25519 key is a point of small order, which anyone can sign for");
        }
        byte[] little = new byte[32];
        byte[] big = y.toByteArray();
        for (int i = 0; i < big.length && i < 32; i++) {
            little[i] = big[big.length - 1 - i];
        }
        if (xOdd) {
            little[31] |= (byte) 0x80;
        }
        return concat(ED25519_PREFIX, little);
    }

    /** The canonical SubjectPublicKeyInfo of a P-256 key, after checking its point. */
    static byte[] p256(ECPublicKey key) {
        ECPoint w = key.getW();
        if (w == ECPoint.POINT_INFINITY) {
            throw new IllegalArgumentException("the P-256 key is the point at infinity");
        }
        BigInteger x = w.getAffineX();
        BigInteger y = w.getAffineY();
        if (x.signum() < 0 || x.compareTo(P256_P) >= 0 || y.signum() < 0 || y.compareTo(P256_P) >= 0) {
            throw new IllegalArgumentException("the P-256 point's coordinates are not reduced");
        }
        BigInteger left = y.multiply(y).mod(P256_P);
        BigInteger right = x.pow(3).subtract(x.multiply(BigInteger.valueOf(3))).add(P256_B).mod(P256_P);
        if (!left.equals(right)) {
            throw new IllegalArgumentException("the P-256 point is not on the curve");
        }
        return concat(P256_PREFIX, fixed32(x), fixed32(y));
    }

    /** The canonical encoding of an already-parsed key of either family. */
    static byte[] of(PublicKey key) {
        if (key instanceof EdECPublicKey ed) {
            return ed25519(ed);
        }
        if (key instanceof ECPublicKey ec) {
            return p256(ec);
        }
        throw new IllegalArgumentException("not an Ed25519 or P-256 public key");
    }

    /** x from y and its parity: x^2 = (y^2 - 1) / (d y^2 + 1); refuses a y that is on no point. */
    private static BigInteger recoverX(BigInteger y, boolean xOdd) {
        BigInteger y2 = y.multiply(y).mod(ED_P);
        BigInteger u = y2.subtract(BigInteger.ONE).mod(ED_P);
        BigInteger v = ED_D.multiply(y2).add(BigInteger.ONE).mod(ED_P);
        BigInteger x2 = u.multiply(v.modInverse(ED_P)).mod(ED_P);
        // p = 5 (mod 8): a candidate root is x2^((p+3)/8), possibly times sqrt(-1).
        BigInteger x = x2.modPow(ED_P.add(BigInteger.valueOf(3)).shiftRight(3), ED_P);
        if (!x.multiply(x).mod(ED_P).equals(x2)) {
            x = x.multiply(SQRT_MINUS_ONE).mod(ED_P);
        }
        if (!x.multiply(x).mod(ED_P).equals(x2)) {
            throw new IllegalArgumentException("the Ed25519 key is not a point on the curve");
        }
        if (x.signum() == 0 && xOdd) {
            throw new IllegalArgumentException("the Ed25519 point has x = 0 with the sign bit set (not a canonical encoding)");
        }
        return x.testBit(0) == xOdd ? x : ED_P.subtract(x);
    }

    /** 2P on -x^2 + y^2 = 1 + d x^2 y^2 (the unified addition law, which has no exceptions on this curve). */
    private static BigInteger[] edDouble(BigInteger[] p) {
        BigInteger x = p[0];
        BigInteger y = p[1];
        BigInteger dxxyy = ED_D.multiply(x).multiply(x).multiply(y).multiply(y).mod(ED_P);
        BigInteger x3 = x.multiply(y).shiftLeft(1).multiply(BigInteger.ONE.add(dxxyy).modInverse(ED_P)).mod(ED_P);
        BigInteger y3 = y.multiply(y).add(x.multiply(x)).multiply(BigInteger.ONE.subtract(dxxyy).mod(ED_P)
                .modInverse(ED_P)).mod(ED_P);
        return new BigInteger[] {x3, y3};
    }

    private static byte[] fixed32(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
