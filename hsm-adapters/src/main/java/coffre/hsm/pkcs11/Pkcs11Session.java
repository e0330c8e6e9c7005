package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.io.ByteArrayInputStream;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * A SunPKCS11 provider and a logged-in {@code KeyStore} for one token, for short-lived clients
 * (the {@code coffre} CLI) that sign with keys held on a token or smartcard. Unlike
 * {@link Pkcs11Hsm} it needs no {@link HsmProfile}: just a library, a token and a PIN.
 *
 * <p>EC P-256 signing keys ({@link #generateEcSigningKey}) are made <em>inside</em> the token by
 * SunPKCS11's {@code KeyPairGenerator} under a provider configured for that one key, so the
 * private key is born a token object with {@code CKA_SENSITIVE=true}, {@code CKA_EXTRACTABLE=false},
 * {@code CKA_SIGN=true} (and no decrypt, unwrap or derive) and {@code CKA_LABEL} = the label. Why a
 * self-signed certificate is stored beside it: SunPKCS11's {@code KeyStore} only lists a private
 * key that has a certificate with the same {@code CKA_ID}, and the JCA offers no other way to get a
 * {@code PrivateKey} for a token object. The certificate ({@code CN=Coffre officer key <label>},
 * ECDSA-SHA256, signed by the key itself) carries nothing but the public key; nothing trusts it.
 *
 * <p>PKCS#11 login state belongs to the whole process: once any provider of the process has logged
 * in to the token, SunPKCS11 skips the login and so does not check the PIN given here. A fresh
 * process (the CLI) always checks it. Sessions are never logged out, as that would log out every
 * other user of the token in the process. The provider is never registered with
 * {@link Security#addProvider}. The JVM needs {@value Pkcs11Native#JVM_FLAGS}.
 */
public final class Pkcs11Session {
    /** The labels {@link #generateEcSigningKey} accepts: 1-64 of letters, digits, {@code . _ -}, starting with a letter or digit. */
    public static final Pattern KEY_LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final String CURVE = "secp256r1";
    /** DER of AlgorithmIdentifier { ecdsa-with-SHA256 (1.2.840.10045.4.3.2) }, no parameters. */
    private static final byte[] ECDSA_SHA256_ALGID = HexFormat.of().parseHex("300a06082a8648ce3d040302");

    private final Pkcs11Native module;
    private final Path library;
    private final long slot;
    private final String tokenLabel;
    private final PinSource pin;
    private final Provider provider;
    private final KeyStore keyStore;

    private Pkcs11Session(Pkcs11Native module, Path library, long slot, String tokenLabel, PinSource pin,
                          Provider provider, KeyStore keyStore) {
        this.module = module;
        this.library = library;
        this.slot = slot;
        this.tokenLabel = tokenLabel;
        this.pin = pin;
        this.provider = provider;
        this.keyStore = keyStore;
    }

    /**
     * Loads {@code library}, selects the token and logs in (see the class comment on login state).
     *
     * @throws IllegalArgumentException if {@code library} is not an existing file
     * @throws IllegalStateException    when the JVM lacks {@value Pkcs11Native#JVM_FLAGS}, or the PIN source is unreadable
     * @throws HsmException             when the module, the token or the login fails (kinds
     *                                  {@link HsmErrorKind#UNAVAILABLE}, {@link HsmErrorKind#LOGIN_FAILED}, ...)
     */
    public static Pkcs11Session open(Path library, TokenSelector token, PinSource pin) {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(pin, "pin");
        if (!Files.isRegularFile(library)) {
            throw new IllegalArgumentException("PKCS#11 library " + library + " does not exist or is not a file");
        }
        Path absolute = library.toAbsolutePath();
        Pkcs11Native module;
        try {
            module = Pkcs11Native.connect(absolute);
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "load library " + absolute);
        }
        long slot;
        Pkcs11Native.TokenInfo info;
        try {
            slot = SlotResolver.resolve(module, token);
            info = module.tokenInfo(slot);
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "select token");
        }
        Provider provider;
        KeyStore keyStore;
        try {
            provider = configure(SunPkcs11ProviderFactory.configText(name("session"), absolute, slot));
            keyStore = KeyStore.getInstance("PKCS11", provider);
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "configure provider");
        }
        login(keyStore, pin);
        return new Pkcs11Session(module, absolute, slot, info.label(), pin, provider, keyStore);
    }

    /** The SunPKCS11 provider of this token (unregistered): ask it for {@code Signature}s by reference. */
    public Provider provider() {
        return provider;
    }

    /** The token's logged-in {@code KeyStore} (type {@code PKCS11}). */
    public KeyStore keyStore() {
        return keyStore;
    }

    /** The selected token's label. */
    public String tokenLabel() {
        return tokenLabel;
    }

    /** The selected token's slot id. */
    public long slotId() {
        return slot;
    }

    /** Whether any token object (key, certificate, data) is labelled {@code label}. */
    public boolean hasObjectLabelled(String label) {
        Objects.requireNonNull(label, "label");
        try {
            long session = module.openSession(slot);
            try {
                return module.findObjects(session, List.of(
                        Pkcs11Native.Attr.of(Pkcs11Native.CKA_TOKEN, true),
                        Pkcs11Native.Attr.of(Pkcs11Native.CKA_LABEL, label))).length > 0;
            } finally {
                module.closeSession(session);
            }
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "find objects");
        }
    }

    /**
     * Generates an EC P-256 signing key pair inside the token, labelled {@code label} (see the class
     * comment for its attributes and certificate), and makes it visible to {@link #keyStore()}.
     *
     * @return the public key (a software copy of the token's public key)
     * @throws IllegalArgumentException if {@code label} does not match {@link #KEY_LABEL}, or an object
     *                                  or key store entry already has that label
     * @throws HsmException             when the token refuses
     */
    public PublicKey generateEcSigningKey(String label) {
        requireLabel(label);
        try {
            if (keyStore.containsAlias(label) || hasObjectLabelled(label)) {
                throw new IllegalArgumentException("token '" + tokenLabel + "' already holds an object labelled '"
                        + label + "'; choose another label (nothing is ever overwritten)");
            }
        } catch (java.security.KeyStoreException e) {
            throw new HsmException(HsmErrorKind.INTERNAL, "cannot read the token's key store", null, e);
        }
        Provider generator;
        KeyStore generatorStore;
        try {
            generator = configure(SunPkcs11ProviderFactory.configText(name("keygen"), library, slot) + ecBlock(label));
            generatorStore = KeyStore.getInstance("PKCS11", generator);
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "configure provider");
        }
        login(generatorStore, pin);
        KeyPair pair;
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC", generator);
            kpg.initialize(new ECGenParameterSpec(CURVE));
            pair = kpg.generateKeyPair();
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "generate EC key pair");
        }
        try {
            PublicKey software = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(pair.getPublic().getEncoded()));
            X509Certificate certificate = selfSigned(pair.getPrivate(), software, generator, label);
            generatorStore.setEntry(label, new KeyStore.PrivateKeyEntry(pair.getPrivate(),
                    new java.security.cert.Certificate[] {certificate}), null);
            login(keyStore, pin);
            return software;
        } catch (GeneralSecurityException | ProviderException | HsmException e) {
            destroyLabelled(label);
            if (e instanceof HsmException h) {
                throw h;
            }
            throw CkrErrorMapper.map(e, "store EC key pair");
        }
    }

    /**
     * The private key of the key store entry {@code label}, for {@code Signature}s of {@link #provider()}.
     *
     * @throws HsmException of kind {@link HsmErrorKind#KEY_NOT_FOUND} when there is no such private key entry
     */
    public PrivateKey privateKey(String label) {
        Objects.requireNonNull(label, "label");
        Key key;
        try {
            key = keyStore.isKeyEntry(label) ? keyStore.getKey(label, null) : null;
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "read key '" + label + "'");
        }
        if (key instanceof PrivateKey privateKey) {
            return privateKey;
        }
        throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "token '" + tokenLabel + "' has no private key labelled '"
                + label + "' with a certificate (keys made by coffre have one)");
    }

    /**
     * The public key of the entry {@code label}, from its certificate.
     *
     * @throws HsmException of kind {@link HsmErrorKind#KEY_NOT_FOUND} when the entry has no certificate
     */
    public PublicKey publicKey(String label) {
        try {
            java.security.cert.Certificate certificate = keyStore.getCertificate(label);
            if (certificate != null) {
                return certificate.getPublicKey();
            }
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "read certificate '" + label + "'");
        }
        throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "token '" + tokenLabel + "' has no certificate labelled '" + label + "'");
    }

    @Override
    public String toString() {
        return "Pkcs11Session[" + library + ", token '" + tokenLabel + "', slot " + slot + "]";
    }

    // ---- internals ----

    private static String name(String purpose) {
        return "coffre-" + purpose + "-" + SEQUENCE.incrementAndGet();
    }

    private static Provider configure(String configText) {
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw new IllegalStateException("the JDK has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
        }
        return base.configure("--" + configText);
    }

    private static void requireLabel(String label) {
        if (label == null || !KEY_LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("key label must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter"
                    + " or digit, got '" + label + "'");
        }
    }

    /** The generate attributes of this one key pair; SunPKCS11 takes byte arrays as {@code 0h<hex>}. */
    static String ecBlock(String label) {
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

    /** Best effort after a failed keygen: a key without its certificate would be invisible and block the label. */
    private void destroyLabelled(String label) {
        try {
            long session = module.openSession(slot);
            try {
                for (long handle : module.findObjects(session, List.of(
                        Pkcs11Native.Attr.of(Pkcs11Native.CKA_TOKEN, true),
                        Pkcs11Native.Attr.of(Pkcs11Native.CKA_LABEL, label)))) {
                    module.destroyObject(session, handle);
                }
            } finally {
                module.closeSession(session);
            }
        } catch (RuntimeException ignored) {
            // The original failure is what the caller needs to see.
        }
    }

    private static void login(KeyStore keyStore, PinSource pinSource) {
        char[] pin = pinSource.read();
        try {
            keyStore.load(null, pin);
        } catch (IOException | GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "login");
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    // ---- a minimal self-signed X.509 v1 certificate, DER by hand (the JDK has no public builder) ----

    private static X509Certificate selfSigned(PrivateKey key, PublicKey publicKey, Provider provider, String label)
            throws GeneralSecurityException {
        byte[] name = new X500Principal("CN=Coffre officer key " + label).getEncoded();
        byte[] serial = new byte[16];
        new SecureRandom().nextBytes(serial);
        serial[0] &= 0x7f;
        serial[0] |= 0x40;
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        byte[] notBefore = tlv(0x17, now.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")).getBytes(StandardCharsets.US_ASCII));
        // RFC 5280 4.1.2.5: 99991231235959Z means "no well-defined expiration date".
        byte[] notAfter = tlv(0x18, "99991231235959Z".getBytes(StandardCharsets.US_ASCII));
        byte[] tbs = tlv(0x30, tlv(0x02, new BigInteger(1, serial).toByteArray()), ECDSA_SHA256_ALGID, name,
                tlv(0x30, notBefore, notAfter), name, publicKey.getEncoded());
        Signature signer = Signature.getInstance("SHA256withECDSA", provider);
        signer.initSign(key);
        signer.update(tbs);
        byte[] signature = signer.sign();
        byte[] bitString = new byte[signature.length + 1];
        System.arraycopy(signature, 0, bitString, 1, signature.length);
        byte[] der = tlv(0x30, tbs, ECDSA_SHA256_ALGID, tlv(0x03, bitString));
        X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        certificate.verify(publicKey);
        return certificate;
    }

    private static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        int length = content.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length & 0xff);
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }
}
