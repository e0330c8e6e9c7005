package coffre.hsm.pkcs11;

import coffre.hsm.pkcs11.Pkcs11Native.Attr;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.LongStream;

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
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_VALUE;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_VALUE_LEN;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_VERIFY;
import static coffre.hsm.pkcs11.Pkcs11Native.CKA_WRAP;
import static coffre.hsm.pkcs11.Pkcs11Native.CKK_AES;
import static coffre.hsm.pkcs11.Pkcs11Native.CKK_GENERIC_SECRET;
import static coffre.hsm.pkcs11.Pkcs11Native.CKO_SECRET_KEY;

/**
 * The PKCS#11 attribute choices for Coffre's keys, in one place.
 *
 * <p>How an AES key is made, and why:
 * <ol>
 *   <li>{@code C_GenerateKey} with {@code CKM_AES_KEY_GEN} and {@link #aesKey} creates the AES-256
 *       key <em>inside</em> the HSM directly as a private token object labelled with the key's
 *       label: {@code CKA_SENSITIVE=true} and {@code CKA_EXTRACTABLE=false} so the value can never
 *       be read or wrapped out, and only {@code CKA_ENCRYPT}/{@code CKA_DECRYPT} so it cannot be
 *       misused for wrapping, MACs or derivation. The HSM sets {@code CKA_LOCAL},
 *       {@code CKA_ALWAYS_SENSITIVE} and {@code CKA_NEVER_EXTRACTABLE} itself (verified with
 *       {@code pkcs11-tool -O} in the conformance suite). One call, whatever the number of objects
 *       on the token; {@link TokenKeyLoader} then makes the provider's key object from the handle.
 *       {@code keytool -genseckey} is never used: it makes the key in software.</li>
 *   <li>The attributes are those of the former path (a {@code KeyGenerator} session key with
 *       {@link #GENERATE_BLOCK}, copied by {@code KeyStore.setEntry} into a token object with
 *       {@code CKA_TOKEN=true}, {@code CKA_PRIVATE=true} and the label), which cost a listing of
 *       every object on the token per key. {@link #GENERATE_BLOCK} stays in the provider's
 *       configuration so that any key the provider itself generates is sensitive and
 *       non-extractable from birth too.</li>
 *   <li>For speed, {@link SessionKeyCopier} copies the token object into a session object with
 *       {@link #SESSION_COPY} ({@code CKA_TOKEN=false} only, nothing weakened).</li>
 * </ol>
 *
 * <p>HMAC keys ({@link #macKey}) are made the same way with {@code CKM_GENERIC_SECRET_KEY_GEN}:
 * the JCA can neither label a generated key nor store a generic secret without a software import.
 * The key type is {@code CKK_GENERIC_SECRET}: SoftHSM 2.6.1 answers {@code CKR_TEMPLATE_INCONSISTENT}
 * to {@code CKK_SHA256_HMAC} with that mechanism, and refuses HMAC-SHA-256 keys shorter than 32
 * bytes ({@code CKR_KEY_SIZE_RANGE}). Labels are unique across both kinds ({@link #findAnyByLabel}).
 */
final class KeyTemplates {
    /** AES-256. */
    static final int KEY_BITS = 256;

    /** The SunPKCS11 configuration block applied when the provider generates an AES key. */
    static final String GENERATE_BLOCK = """
            attributes(generate, CKO_SECRET_KEY, CKK_AES) = {
              CKA_TOKEN = false
              CKA_SENSITIVE = true
              CKA_EXTRACTABLE = false
              CKA_ENCRYPT = true
              CKA_DECRYPT = true
              CKA_WRAP = false
              CKA_UNWRAP = false
              CKA_SIGN = false
              CKA_VERIFY = false
              CKA_DERIVE = false
            }
            """;

    /** The attributes {@link #GENERATE_BLOCK} sets, as data (for tests and documentation). */
    static final List<Attr> GENERATED = List.of(
            Attr.of(CKA_TOKEN, false), Attr.of(CKA_SENSITIVE, true), Attr.of(CKA_EXTRACTABLE, false),
            Attr.of(CKA_ENCRYPT, true), Attr.of(CKA_DECRYPT, true), Attr.of(CKA_WRAP, false),
            Attr.of(CKA_UNWRAP, false), Attr.of(CKA_SIGN, false), Attr.of(CKA_VERIFY, false),
            Attr.of(CKA_DERIVE, false));

    /** AES-256 key length in bytes ({@code CKA_VALUE_LEN}). */
    static final long KEY_BYTES = KEY_BITS / 8;

    /** The copy template of a session copy: only the object's lifetime changes. */
    static final List<Attr> SESSION_COPY = List.of(Attr.of(CKA_TOKEN, false));

    /** HMAC-SHA-256 key length: 256 bits, the hash's output size (RFC 2104's recommended minimum). */
    static final long MAC_KEY_BYTES = 32;

    /** The usage attributes of a secret key, each set explicitly on every key Coffre makes. */
    private static final List<Long> USAGES = List.of(CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP, CKA_SIGN,
            CKA_VERIFY, CKA_DERIVE);

    private KeyTemplates() {
    }

    /**
     * The {@code C_GenerateKey} template of an AES-256 key under {@code label}: a private token
     * object with {@link #GENERATED}'s security and usage attributes (only {@code CKA_TOKEN}
     * differs), sensitive and not extractable, able only to encrypt and decrypt.
     */
    static List<Attr> aesKey(String label) {
        return secretKey(CKK_AES, KEY_BYTES, label, CKA_ENCRYPT, CKA_DECRYPT);
    }

    /** Every AES key on the token (a node's start-up lookup, {@link Pkcs11Hsm#findKeys}). */
    static List<Attr> findAllAes() {
        return List.of(Attr.of(CKA_TOKEN, true), Attr.of(CKA_CLASS, CKO_SECRET_KEY), Attr.of(CKA_KEY_TYPE, CKK_AES));
    }

    /** The search template for Coffre's token key under {@code label}. */
    static List<Attr> findByLabel(String label) {
        return List.of(Attr.of(CKA_TOKEN, true), Attr.of(CKA_CLASS, CKO_SECRET_KEY),
                Attr.of(CKA_KEY_TYPE, CKK_AES), Attr.of(CKA_LABEL, label));
    }

    /**
     * The {@code C_GenerateKey} template of an HMAC-SHA-256 key under {@code label}: a private token
     * object, sensitive and not extractable (so the HSM sets {@code CKA_LOCAL},
     * {@code CKA_ALWAYS_SENSITIVE} and {@code CKA_NEVER_EXTRACTABLE}), able only to sign and verify.
     */
    static List<Attr> macKey(String label) {
        return secretKey(CKK_GENERIC_SECRET, MAC_KEY_BYTES, label, CKA_SIGN, CKA_VERIFY);
    }

    /**
     * The {@code C_CreateObject} template of an HMAC key holding {@code value}, a secret that exists
     * outside the HSM by nature (a credential another party holds too, such as an AWS SigV4
     * secret): the same private, sensitive, non-extractable, sign-and-verify-only token object as
     * {@link #macKey} — {@code CKA_LOCAL} reads false, truthfully, since the HSM did not make it.
     */
    static List<Attr> importedMacKey(String label, byte[] value) {
        List<Attr> template = new ArrayList<>(secretKey(CKK_GENERIC_SECRET, value.length, label, CKA_SIGN, CKA_VERIFY));
        template.removeIf(a -> a.type() == CKA_VALUE_LEN);
        template.add(new Attr(CKA_VALUE, value));
        return List.copyOf(template);
    }

    /**
     * A private token secret key of {@code keyType} under {@code label}, sensitive and not
     * extractable, with exactly the usages {@code allowed} true and every other one of
     * {@link #USAGES} false: both kinds of key share every security choice and differ only in use.
     */
    private static List<Attr> secretKey(long keyType, long valueBytes, String label, long... allowed) {
        List<Attr> template = new ArrayList<>(List.of(Attr.of(CKA_CLASS, CKO_SECRET_KEY), Attr.of(CKA_KEY_TYPE, keyType),
                Attr.of(CKA_VALUE_LEN, valueBytes), Attr.of(CKA_TOKEN, true), Attr.of(CKA_PRIVATE, true),
                Attr.of(CKA_LABEL, label), Attr.of(CKA_SENSITIVE, true), Attr.of(CKA_EXTRACTABLE, false)));
        for (long usage : USAGES) {
            template.add(Attr.of(usage, LongStream.of(allowed).anyMatch(a -> a == usage)));
        }
        return List.copyOf(template);
    }

    /** The search template for Coffre's HMAC key under {@code label}. */
    static List<Attr> findMacByLabel(String label) {
        return List.of(Attr.of(CKA_TOKEN, true), Attr.of(CKA_CLASS, CKO_SECRET_KEY),
                Attr.of(CKA_KEY_TYPE, CKK_GENERIC_SECRET), Attr.of(CKA_LABEL, label));
    }

    /**
     * Every secret token object under {@code label}, AES or HMAC: a label names one key, so creation
     * refuses a label in use by either kind, and destruction removes whichever it is.
     */
    static List<Attr> findAnyByLabel(String label) {
        return List.of(Attr.of(CKA_TOKEN, true), Attr.of(CKA_CLASS, CKO_SECRET_KEY), Attr.of(CKA_LABEL, label));
    }

    /**
     * Every token object under {@code label}, of any class: a label names one key of any kind (AES,
     * HMAC, key pair), so creation refuses a label that anything holds.
     */
    static List<Attr> findAnyObjectByLabel(String label) {
        return List.of(Attr.of(CKA_TOKEN, true), Attr.of(CKA_LABEL, label));
    }

    /**
     * The SunPKCS11 configuration blocks of one EC signing key pair under {@code label} (the CLI's
     * officer keys, {@link TokenSigningKeys}): the private key a sensitive, never extractable private
     * token object that can only sign; the public key a public token object that can only verify.
     * SunPKCS11 takes byte arrays as {@code 0h<hex>}, so the label is given in hex.
     */
    static String ecSigningKeyBlock(String label) {
        String hex = "0h" + HexFormat.of().formatHex(label.getBytes(StandardCharsets.UTF_8));
        return """
                attributes(generate, CKO_PRIVATE_KEY, CKK_EC) = {
                  CKA_TOKEN = true
                  CKA_PRIVATE = true
                  CKA_SENSITIVE = true
                  CKA_EXTRACTABLE = false
                  CKA_SIGN = true
                  CKA_DECRYPT = false
                  CKA_UNWRAP = false
                  CKA_DERIVE = false
                  CKA_LABEL = %s
                }
                attributes(generate, CKO_PUBLIC_KEY, CKK_EC) = {
                  CKA_TOKEN = true
                  CKA_PRIVATE = false
                  CKA_VERIFY = true
                  CKA_LABEL = %s
                }
                """.formatted(hex, hex);
    }
}
