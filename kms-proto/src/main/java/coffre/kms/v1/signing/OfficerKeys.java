package coffre.kms.v1.signing;

import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.SignatureAlgorithm;
import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Officer key handling shared by the server and the CLI: parsing registered public keys,
 * signing statements, verifying signatures and fingerprints. Ed25519 and ECDSA P-256 (raw r||s
 * signatures) are the only algorithms, both from the JDK.
 */
public final class OfficerKeys {
    private static final int P256_FIELD_BITS = 256;
    /** Ed25519 signatures and raw P-256 r||s signatures are both 64 bytes. */
    public static final int SIGNATURE_LENGTH = 64;

    private OfficerKeys() {
    }

    /** The JCA signature algorithm for an officer key algorithm. */
    public static String jcaAlgorithm(SignatureAlgorithm algorithm) {
        return switch (algorithm) {
            case ED25519 -> "Ed25519";
            case ECDSA_P256_SHA256 -> "SHA256withECDSAinP1363Format";
            case SIGNATURE_ALGORITHM_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("signature algorithm must be ED25519 or ECDSA_P256_SHA256");
        };
    }

    /**
     * Parses and checks a public key offered for registration: the algorithm, the curve, the point,
     * and that {@code spki_der} is the key's one canonical encoding ({@link #canonicalSpki}). Any
     * other encoding of a key is refused, so that one key can never be registered under two names.
     *
     * @throws IllegalArgumentException naming what is wrong (algorithm, encoding, curve, point)
     */
    public static PublicKey publicKey(OfficerPublicKey key) {
        PublicKey parsed = parse(key);
        if (!Arrays.equals(CanonicalKeys.of(parsed), key.getSpkiDer().toByteArray())) {
            throw new IllegalArgumentException("public key is not in its canonical DER encoding (a plain "
                    + "SubjectPublicKeyInfo: " + (key.getAlgorithm() == SignatureAlgorithm.ED25519
                    ? "no algorithm parameters" : "the named curve P-256 and an uncompressed point")
                    + ", short-form lengths, nothing after it); re-export it, e.g. with 'coffre officer keygen'");
        }
        return parsed;
    }

    /**
     * The canonical form of a key in any encoding the JDK parses: the same algorithm, {@code spki_der}
     * rebuilt from the key's value. Two encodings of one key give the same result.
     *
     * @throws IllegalArgumentException if it is not a usable Ed25519 or P-256 key at all
     */
    public static OfficerPublicKey canonical(OfficerPublicKey key) {
        return key.toBuilder().setSpkiDer(ByteString.copyFrom(CanonicalKeys.of(parse(key)))).build();
    }

    /**
     * Parses any encoding the JDK accepts and checks the algorithm, curve and point, but not the
     * encoding: for verifying keys already registered and for {@link #canonical}.
     */
    private static PublicKey parse(OfficerPublicKey key) {
        jcaAlgorithm(key.getAlgorithm());
        String family = key.getAlgorithm() == SignatureAlgorithm.ED25519 ? "Ed25519" : "EC";
        PublicKey parsed;
        try {
            parsed = KeyFactory.getInstance(family).generatePublic(new X509EncodedKeySpec(key.getSpkiDer().toByteArray()));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("public key is not a DER SubjectPublicKeyInfo for " + key.getAlgorithm());
        }
        if (parsed instanceof ECPublicKey ec) {
            ECParameterSpec params = ec.getParams();
            if (params.getCurve().getField().getFieldSize() != P256_FIELD_BITS || params.getCofactor() != 1
                    || !params.getOrder().toString(16).equals("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")) {
                throw new IllegalArgumentException("ECDSA officer keys must be on the P-256 curve");
            }
        }
        CanonicalKeys.of(parsed);
        return parsed;
    }

    /** Signs a statement with an officer's private key. */
    public static byte[] sign(PrivateKey key, SignatureAlgorithm algorithm, byte[] statement) {
        try {
            Signature signer = Signature.getInstance(jcaAlgorithm(algorithm));
            signer.initSign(key);
            signer.update(statement);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with this key as " + algorithm + ": " + e.getMessage(), e);
        }
    }

    /**
     * True only if {@code signature} is a valid signature of exactly {@code statement} by
     * {@code key}. Malformed signatures are false, never exceptions.
     */
    public static boolean verify(OfficerPublicKey key, byte[] statement, byte[] signature) {
        // Both algorithms sign in exactly 64 bytes. The JDK's P1363 verifier also accepts r||s
        // padded to other lengths (Wycheproof "incorrect size of signature"): refuse those here,
        // so that a signature has one encoding only.
        if (signature == null || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance(jcaAlgorithm(key.getAlgorithm()));
            verifier.initVerify(parse(key));
            verifier.update(statement);
            return verifier.verify(signature);
        } catch (SignatureException | InvalidKeyException | IllegalArgumentException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signature algorithm unavailable", e);
        }
    }

    /**
     * SHA-256 of the key's canonical DER encoding, lowercase hex: what officers compare out of band,
     * and what tells officers apart. Every encoding of one key has the same fingerprint; bytes that
     * are no usable key at all are fingerprinted as they are.
     */
    public static String fingerprint(OfficerPublicKey key) {
        byte[] der;
        try {
            der = CanonicalKeys.of(parse(key));
        } catch (IllegalArgumentException e) {
            der = key.getSpkiDer().toByteArray();
        }
        return HexFormat.of().formatHex(Statements.sha256(der));
    }
}
