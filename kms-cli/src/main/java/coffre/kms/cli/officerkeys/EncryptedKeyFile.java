package coffre.kms.cli.officerkeys;

import coffre.kms.v1.SignatureAlgorithm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;

/**
 * The officer private key file: a PEM {@code ENCRYPTED PRIVATE KEY} (RFC 5958
 * EncryptedPrivateKeyInfo) holding the PKCS#8 key encrypted with PBES2 (RFC 8018): PBKDF2 with
 * HMAC-SHA256, {@value #ITERATIONS} iterations and a 16-byte random salt, then AES-256-CBC with a
 * random IV. Only the JDK is used; OpenSSL reads the file too ({@code openssl pkcs8 -in FILE}).
 *
 * <p>The JDK encrypts and decrypts PBES2 but cannot name it when <em>building</em> an
 * EncryptedPrivateKeyInfo from its parameters ("unrecognized algorithm name"), so the outer DER
 * SEQUENCE is written here; the PBES2 parameters inside are the JDK's own encoding.
 */
public final class EncryptedKeyFile {

    /** PBKDF2 iterations: OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about half a second here. */
    public static final int ITERATIONS = 600_000;

    /** The JCA name of PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC. */
    static final String PBES2_ALGORITHM = "PBEWithHmacSHA256AndAES_256";

    private static final String PEM_BEGIN = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    private static final String PEM_END = "-----END ENCRYPTED PRIVATE KEY-----";
    /** DER of OID 1.2.840.113549.1.5.13 (id-PBES2). */
    private static final byte[] PBES2_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x05, 0x0d};
    private static final String P256_ORDER = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
    /** Refuses files asking for absurd work, so a planted file cannot hang the CLI. */
    private static final int MAX_ITERATIONS = 10_000_000;

    private EncryptedKeyFile() {
    }

    /** {@code key} encrypted under {@code passphrase}, as PEM text ending with a newline. */
    public static String encrypt(PrivateKey key, char[] passphrase) {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        random.nextBytes(salt);
        random.nextBytes(iv);
        byte[] pkcs8 = key.getEncoded();
        try {
            Cipher cipher = Cipher.getInstance(PBES2_ALGORITHM);
            cipher.init(Cipher.ENCRYPT_MODE, derive(passphrase), new PBEParameterSpec(salt, ITERATIONS, new IvParameterSpec(iv)));
            byte[] encrypted = cipher.doFinal(pkcs8);
            byte[] algorithmId = der(0x30, concat(PBES2_OID, cipher.getParameters().getEncoded()));
            byte[] info = der(0x30, concat(algorithmId, der(0x04, encrypted)));
            return PEM_BEGIN + "\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(info) + "\n" + PEM_END + "\n";
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("the JDK cannot encrypt with " + PBES2_ALGORITHM, e);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    /**
     * Decrypts a key file.
     *
     * @throws KeyFileException if the file is not such a PEM file, the passphrase is wrong, or the key
     *     is neither Ed25519 nor ECDSA P-256
     */
    public static OfficerPrivateKey decrypt(byte[] file, char[] passphrase) throws KeyFileException {
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(pemBody(file));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new KeyFileException("not a PEM '" + PEM_BEGIN + "' file made by 'coffre officer keygen'", e);
        }
        AlgorithmParameters parameters = info.getAlgParameters();
        // The JDK names parsed PBES2 parameters by their scheme: accept only the one keygen writes.
        if (parameters == null || !PBES2_ALGORITHM.equals(parameters.toString())) {
            throw new KeyFileException("the key is not encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)");
        }
        PKCS8EncodedKeySpec spec;
        try {
            int iterations = parameters.getParameterSpec(PBEParameterSpec.class).getIterationCount();
            if (iterations > MAX_ITERATIONS) {
                throw new KeyFileException("the key file asks for " + iterations + " PBKDF2 iterations, more than "
                        + MAX_ITERATIONS);
            }
            Cipher cipher = Cipher.getInstance(PBES2_ALGORITHM);
            cipher.init(Cipher.DECRYPT_MODE, derive(passphrase), parameters);
            spec = info.getKeySpec(cipher);
        } catch (GeneralSecurityException e) {
            // Wrong passphrase and damaged ciphertext look the same from here, by design of CBC padding.
            throw new KeyFileException("cannot decrypt the officer key: wrong passphrase, or the file is damaged");
        }
        return parse(spec);
    }

    private static OfficerPrivateKey parse(PKCS8EncodedKeySpec spec) throws KeyFileException {
        try {
            return new OfficerPrivateKey(KeyFactory.getInstance("Ed25519").generatePrivate(spec), SignatureAlgorithm.ED25519);
        } catch (GeneralSecurityException notEd25519) {
            try {
                PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(spec);
                ECParameterSpec params = ((ECPrivateKey) key).getParams();
                if (!params.getOrder().toString(16).equals(P256_ORDER)) {
                    throw new KeyFileException("the officer key is an EC key on another curve than P-256");
                }
                return new OfficerPrivateKey(key, SignatureAlgorithm.ECDSA_P256_SHA256);
            } catch (GeneralSecurityException notEc) {
                throw new KeyFileException("the decrypted key is neither Ed25519 nor ECDSA P-256");
            }
        }
    }

    private static SecretKey derive(char[] passphrase) throws GeneralSecurityException {
        PBEKeySpec spec = new PBEKeySpec(passphrase);
        try {
            return SecretKeyFactory.getInstance(PBES2_ALGORITHM).generateSecret(spec);
        } finally {
            spec.clearPassword();
        }
    }

    private static byte[] pemBody(byte[] file) throws java.io.IOException {
        String text = new String(file, StandardCharsets.US_ASCII);
        int begin = text.indexOf(PEM_BEGIN);
        int end = text.indexOf(PEM_END);
        if (begin < 0 || end < begin) {
            throw new java.io.IOException("no PEM block");
        }
        return Base64.getMimeDecoder().decode(text.substring(begin + PEM_BEGIN.length(), end));
    }

    /** One DER TLV; lengths up to 65535, far above a key file. */
    private static byte[] der(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 4);
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n & 0xff);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] out = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }
}
