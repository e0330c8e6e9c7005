package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;
import java.util.Objects;
import java.util.function.LongFunction;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * The signing keys on one PKCS#11 token or smartcard, for short-lived clients (the {@code coffre}
 * CLI's officer keys): a logged-in SunPKCS11 provider and its {@code KeyStore} over the token
 * ({@link LoggedInToken}), to make EC P-256 key pairs on it and to hand out its private keys for
 * {@code Signature}s of that provider. It is not a PKCS#11 session (it keeps none open): it is named
 * for what callers get from it. Unlike {@link Pkcs11Hsm} it needs no {@link HsmProfile}: just a
 * library, a token and a PIN.
 *
 * <p>EC P-256 signing keys ({@link #generateEcSigningKey}) are made <em>inside</em> the token by
 * SunPKCS11's {@code KeyPairGenerator} under a provider configured for that one key
 * ({@link KeyTemplates#ecSigningKeyBlock}), so the private key is born a token object with
 * {@code CKA_SENSITIVE=true}, {@code CKA_EXTRACTABLE=false}, {@code CKA_SIGN=true} (and no decrypt,
 * unwrap or derive) and {@code CKA_LABEL} = the label. A {@link SelfSignedCertificate}
 * ({@code CN=Coffre officer key <label>}) is stored beside it, as SunPKCS11's {@code KeyStore} only
 * lists a private key that has a certificate.
 *
 * <p>Login: see {@link LoggedInToken} (process-wide state; never logged out). The JVM needs
 * {@value Pkcs11Native#JVM_FLAGS}.
 */
public final class TokenSigningKeys {
    /** The labels {@link #generateEcSigningKey} accepts: 1-64 of letters, digits, {@code . _ -}, starting with a letter or digit. */
    public static final Pattern KEY_LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private static final String CURVE = "secp256r1";

    private final LoggedInToken token;

    private TokenSigningKeys(LoggedInToken token) {
        this.token = token;
    }

    /**
     * Loads {@code library}, selects the token and logs in (see {@link LoggedInToken} on login state).
     *
     * @throws IllegalArgumentException if {@code library} is not an existing file
     * @throws IllegalStateException    when the JVM lacks {@value Pkcs11Native#JVM_FLAGS}, or the PIN source is unreadable
     * @throws HsmException             when the module, the token or the login fails (kinds
     *                                  {@link HsmErrorKind#UNAVAILABLE}, {@link HsmErrorKind#LOGIN_FAILED}, ...)
     */
    public static TokenSigningKeys open(Path library, TokenSelector token, PinSource pin) {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(pin, "pin");
        return new TokenSigningKeys(LoggedInToken.open(library, "PKCS#11 library", token, "signing", pin));
    }

    /** The SunPKCS11 provider of this token (unregistered): ask it for {@code Signature}s by reference. */
    public Provider provider() {
        return token.provider();
    }

    /** The token's logged-in {@code KeyStore} (type {@code PKCS11}). */
    public KeyStore keyStore() {
        return token.keyStore();
    }

    /** The selected token's label. */
    public String tokenLabel() {
        return token.info().label();
    }

    /** The selected token's slot id. */
    public long slotId() {
        return token.slot();
    }

    /** Whether any token object (key, certificate, data) is labelled {@code label}. */
    public boolean hasObjectLabelled(String label) {
        Objects.requireNonNull(label, "label");
        try {
            return onSession(session -> labelled(session, label).length > 0);
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
            if (keyStore().containsAlias(label) || hasObjectLabelled(label)) {
                throw new IllegalArgumentException("token '" + tokenLabel() + "' already holds an object labelled '"
                        + label + "'; choose another label (nothing is ever overwritten)");
            }
        } catch (KeyStoreException e) {
            throw new HsmException(HsmErrorKind.INTERNAL, "cannot read the token's key store", null, e);
        }
        LoggedInToken generator = token.withProvider("keygen", KeyTemplates.ecSigningKeyBlock(label));
        KeyPair pair;
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC", generator.provider());
            kpg.initialize(new ECGenParameterSpec(CURVE));
            pair = kpg.generateKeyPair();
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "generate EC key pair");
        }
        try {
            PublicKey software = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(pair.getPublic().getEncoded()));
            X509Certificate certificate = SelfSignedCertificate.sign(new X500Principal("CN=Coffre officer key " + label),
                    software, pair.getPrivate(), generator.provider());
            generator.keyStore().setEntry(label, new KeyStore.PrivateKeyEntry(pair.getPrivate(),
                    new Certificate[] {certificate}), null);
            token.login();
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
            key = keyStore().isKeyEntry(label) ? keyStore().getKey(label, null) : null;
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "read key '" + label + "'");
        }
        if (key instanceof PrivateKey privateKey) {
            return privateKey;
        }
        throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "token '" + tokenLabel() + "' has no private key labelled '"
                + label + "' with a certificate (keys made by coffre have one)");
    }

    /**
     * The public key of the entry {@code label}, from its certificate.
     *
     * @throws HsmException of kind {@link HsmErrorKind#KEY_NOT_FOUND} when the entry has no certificate
     */
    public PublicKey publicKey(String label) {
        try {
            Certificate certificate = keyStore().getCertificate(label);
            if (certificate != null) {
                return certificate.getPublicKey();
            }
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "read certificate '" + label + "'");
        }
        throw new HsmException(HsmErrorKind.KEY_NOT_FOUND, "token '" + tokenLabel() + "' has no certificate labelled '" + label + "'");
    }

    @Override
    public String toString() {
        return "TokenSigningKeys[" + token.library() + ", token '" + tokenLabel() + "', slot " + slotId() + "]";
    }

    // ---- internals ----

    private static void requireLabel(String label) {
        if (label == null || !KEY_LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("key label must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter"
                    + " or digit, got '" + label + "'");
        }
    }

    /** Runs {@code action} on a session of its own, closed afterwards: this client's lookups are few. */
    private <T> T onSession(LongFunction<T> action) {
        Pkcs11Native module = token.module();
        long session = module.openSession(token.slot());
        try {
            return action.apply(session);
        } finally {
            module.closeSession(session);
        }
    }

    /** Every token object (of any class) labelled {@code label}. */
    private long[] labelled(long session, String label) {
        return token.module().findObjects(session, List.of(
                Pkcs11Native.Attr.of(Pkcs11Native.CKA_TOKEN, true),
                Pkcs11Native.Attr.of(Pkcs11Native.CKA_LABEL, label)));
    }

    /** Best effort after a failed keygen: a key without its certificate would be invisible and block the label. */
    private void destroyLabelled(String label) {
        try {
            onSession(session -> {
                for (long handle : labelled(session, label)) {
                    token.module().destroyObject(session, handle);
                }
                return null;
            });
        } catch (RuntimeException ignored) {
            // The original failure is what the caller needs to see.
        }
    }
}
