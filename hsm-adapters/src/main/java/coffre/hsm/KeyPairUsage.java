package coffre.hsm;

/**
 * What the private half of a key pair may do inside the HSM; the other operations are refused by
 * the HSM itself (the private key object carries only the matching {@code CKA_DECRYPT} or
 * {@code CKA_SIGN} attribute).
 */
public enum KeyPairUsage {
    /** RSA-OAEP decryption ({@link Hsm#rsaOaepDecrypt}); RSA only. */
    DECRYPT,
    /** Signing ({@link Hsm#signDigest}); RSA (PSS) or EC (ECDSA). */
    SIGN
}
