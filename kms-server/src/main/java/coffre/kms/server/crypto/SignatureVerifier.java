package coffre.kms.server.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;

/**
 * Checks a signature over a digest with a key version's public key, in the server with the JDK:
 * the public key is public, so verifying needs no HSM and keeps verifies off it.
 *
 * <p>ECDSA is the JDK's {@code NONEwithECDSAinP1363Format} (SunEC), which takes the digest as it is,
 * after the DER signature has been read here strictly: the JDK's own DER reading lets through a
 * negative {@code s} written without its leading zero (Wycheproof's "legacy" encodings), and a
 * signature must have one encoding, as Coffre's signatures and OpenSSL's have. RSASSA-PSS over a digest the caller already took has no JDK {@code Signature} (SunRsaSign
 * always hashes its input), so it is the RSA public operation followed by EMSA-PSS-VERIFY of
 * RFC 8017 §9.1.2 (SHA-256, MGF1-SHA-256, 32-byte salt), written out below. Every malformed
 * signature (wrong length, not DER, out of range) is simply not valid: verification fails, it
 * never throws, so the answer says nothing more than valid or not.
 */
final class SignatureVerifier {
    private static final int PSS_SALT_BYTES = 32;

    private SignatureVerifier() {
    }

    /** True if {@code signature} is a valid {@code algorithm} signature of {@code digest} under {@code key}. */
    static boolean verify(SigningAlgorithm algorithm, PublicKey key, byte[] digest, byte[] signature) {
        return switch (algorithm) {
            case RSASSA_PSS_SHA_256 -> key instanceof RSAPublicKey rsa && pss(rsa, digest, signature, "SHA-256");
            case ECDSA_SHA_256, ECDSA_SHA_384 -> ecdsa(key, digest, signature);
        };
    }

    private static boolean ecdsa(PublicKey key, byte[] digest, byte[] signature) {
        if (!(key instanceof ECPublicKey ec)) {
            return false;
        }
        byte[] raw = rawSignature(signature, (ec.getParams().getOrder().bitLength() + 7) / 8);
        if (raw == null) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance("NONEwithECDSAinP1363Format");
            verifier.initVerify(key);
            verifier.update(digest);
            return verifier.verify(raw);
        } catch (GeneralSecurityException | RuntimeException e) {
            // Out of range (r or s zero, or not below the order): not a valid signature.
            return false;
        }
    }

    /**
     * {@code SEQUENCE { INTEGER r, INTEGER s }} in strict DER (definite minimal lengths, minimal
     * positive integers, nothing after) as r || s of {@code size} bytes each; null for anything else.
     */
    private static byte[] rawSignature(byte[] der, int size) {
        if (der.length < 2 || der[0] != 0x30) {
            return null;
        }
        int[] at = {1};
        int length = derLength(der, at);
        if (length < 0 || at[0] + length != der.length) {
            return null;
        }
        byte[] raw = new byte[2 * size];
        for (int i = 0; i < 2; i++) {
            if (at[0] >= der.length || der[at[0]] != 0x02) {
                return null;
            }
            at[0]++;
            int n = derLength(der, at);
            if (n <= 0 || at[0] + n > der.length) {
                return null;
            }
            int start = at[0];
            boolean negative = (der[start] & 0x80) != 0;
            boolean padded = n > 1 && der[start] == 0 && (der[start + 1] & 0x80) == 0;
            if (negative || padded) {
                return null;
            }
            int skip = der[start] == 0 ? 1 : 0;
            int magnitude = n - skip;
            if (magnitude > size) {
                return null;
            }
            System.arraycopy(der, start + skip, raw, (i + 1) * size - magnitude, magnitude);
            at[0] += n;
        }
        return at[0] == der.length ? raw : null;
    }

    /** A DER length at {@code at[0]}, moving past it; -1 unless definite and minimal. */
    private static int derLength(byte[] der, int[] at) {
        if (at[0] >= der.length) {
            return -1;
        }
        int first = der[at[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        if (first != 0x81 || at[0] >= der.length) {
            // Signatures of these curves are under 256 bytes: one length byte at most.
            return -1;
        }
        int length = der[at[0]++] & 0xff;
        return length < 0x80 ? -1 : length;
    }

    /** RFC 8017 §8.1.2 (RSASSA-PSS-VERIFY) with the encoding check of §9.1.2 (EMSA-PSS-VERIFY). */
    private static boolean pss(RSAPublicKey key, byte[] mHash, byte[] signature, String hash) {
        BigInteger n = key.getModulus();
        int modBits = n.bitLength();
        int k = (modBits + 7) / 8;
        if (signature.length != k) {
            return false;
        }
        BigInteger s = new BigInteger(1, signature);
        if (s.compareTo(n) >= 0) {
            return false;
        }
        int emBits = modBits - 1;
        int emLen = (emBits + 7) / 8;
        byte[] em = fixedLength(s.modPow(key.getPublicExponent(), n), emLen);
        if (em == null) {
            return false;
        }
        MessageDigest digest = digest(hash);
        int hLen = digest.getDigestLength();
        if (mHash.length != hLen || emLen < hLen + PSS_SALT_BYTES + 2 || (em[emLen - 1] & 0xff) != 0xbc) {
            return false;
        }
        int dbLen = emLen - hLen - 1;
        int unusedBits = 8 * emLen - emBits;
        int topMask = 0xff >>> unusedBits;
        if ((em[0] & ~topMask & 0xff) != 0) {
            return false;
        }
        byte[] h = Arrays.copyOfRange(em, dbLen, dbLen + hLen);
        byte[] db = mgf1(digest, h, dbLen);
        for (int i = 0; i < dbLen; i++) {
            db[i] ^= em[i];
        }
        db[0] &= (byte) topMask;
        int padding = emLen - hLen - PSS_SALT_BYTES - 2;
        for (int i = 0; i < padding; i++) {
            if (db[i] != 0) {
                return false;
            }
        }
        if (db[padding] != 0x01) {
            return false;
        }
        digest.reset();
        digest.update(new byte[8]);
        digest.update(mHash);
        digest.update(db, dbLen - PSS_SALT_BYTES, PSS_SALT_BYTES);
        return MessageDigest.isEqual(h, digest.digest());
    }

    /** {@code value} as exactly {@code length} big-endian bytes, or null if it does not fit. */
    private static byte[] fixedLength(BigInteger value, int length) {
        byte[] bytes = value.toByteArray();
        int start = 0;
        while (start < bytes.length - 1 && bytes[start] == 0) {
            start++;
        }
        int significant = bytes.length - start;
        if (significant > length) {
            return null;
        }
        byte[] out = new byte[length];
        System.arraycopy(bytes, start, out, length - significant, significant);
        return out;
    }

    /** MGF1 (RFC 8017 §B.2.1) with {@code digest}'s hash. */
    private static byte[] mgf1(MessageDigest digest, byte[] seed, int length) {
        byte[] out = new byte[length];
        int done = 0;
        for (int counter = 0; done < length; counter++) {
            digest.reset();
            digest.update(seed);
            digest.update(new byte[] {(byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8),
                    (byte) counter});
            byte[] block = digest.digest();
            int n = Math.min(block.length, length - done);
            System.arraycopy(block, 0, out, done, n);
            done += n;
        }
        return out;
    }

    private static MessageDigest digest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(name + " is always available", e);
        }
    }
}
