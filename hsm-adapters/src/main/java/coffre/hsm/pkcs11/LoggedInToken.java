package coffre.hsm.pkcs11;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.ProviderException;
import java.util.Arrays;

/**
 * One PKCS#11 token opened for use: its library loaded through the JDK's wrapper, its slot
 * selected ({@link SlotResolver}), its token information read, a SunPKCS11 provider configured over
 * that slot ({@link SunPkcs11ProviderFactory}) and the provider's {@code KeyStore} logged in.
 *
 * <p>Why one class: the server's {@link Pkcs11Hsm} and the CLI's {@link TokenSigningKeys} open their
 * tokens the same way, and each had its own copy of these steps. Every step's failure is translated
 * by {@link CkrErrorMapper}, naming the step ({@code load library}, {@code select token},
 * {@code configure provider}, {@code login}).
 *
 * <p>Why a {@code KeyStore} load logs in: it is how SunPKCS11 logs in, and the KeyStore lists the
 * token's objects once per module. PKCS#11 login state belongs to the whole process: once any
 * provider of the process has logged in to the token, SunPKCS11 skips the login and so does not
 * check the PIN given here (a fresh process always checks it). Nothing here logs out, as that would
 * log out every other user of the token in the process. The PIN is read from its {@link PinSource}
 * at each login and wiped at once; this class never holds it. The provider is never registered with
 * {@link java.security.Security#addProvider}.
 */
final class LoggedInToken {
    private final Pkcs11Native module;
    private final Path library;
    private final long slot;
    private final Pkcs11Native.TokenInfo info;
    private final PinSource pin;
    private final Provider provider;
    private final KeyStore keyStore;

    private LoggedInToken(Pkcs11Native module, Path library, long slot, Pkcs11Native.TokenInfo info, PinSource pin,
                          Provider provider, KeyStore keyStore) {
        this.module = module;
        this.library = library;
        this.slot = slot;
        this.info = info;
        this.pin = pin;
        this.provider = provider;
        this.keyStore = keyStore;
    }

    /**
     * Loads {@code library}, selects the token, configures a provider named for {@code purpose} and
     * logs in.
     *
     * @param librarySetting how the library is named when it is missing ({@code hsm.library}, ...)
     * @throws IllegalArgumentException if {@code library} is not an existing file
     * @throws IllegalStateException    when the JVM lacks {@value Pkcs11Native#JVM_FLAGS}, or the PIN source is unreadable
     * @throws coffre.hsm.HsmException  when the module, the token or the login fails (kinds
     *                                  {@code UNAVAILABLE}, {@code LOGIN_FAILED}, ...)
     */
    static LoggedInToken open(Path library, String librarySetting, TokenSelector selector, String purpose,
                              PinSource pin) {
        if (!Files.isRegularFile(library)) {
            throw new IllegalArgumentException(librarySetting + " " + library + " does not exist or is not a file");
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
            slot = SlotResolver.resolve(module, selector);
            info = module.tokenInfo(slot);
        } catch (ProviderException e) {
            throw CkrErrorMapper.map(e, "select token");
        }
        return configured(module, absolute, slot, info, pin, purpose, "");
    }

    /**
     * Another provider over the same token, logged in, whose configuration adds
     * {@code attributeBlocks} (the attributes of the keys that provider is to generate).
     */
    LoggedInToken withProvider(String purpose, String attributeBlocks) {
        return configured(module, library, slot, info, pin, purpose, attributeBlocks);
    }

    private static LoggedInToken configured(Pkcs11Native module, Path library, long slot, Pkcs11Native.TokenInfo info,
                                            PinSource pin, String purpose, String attributeBlocks) {
        Provider provider;
        KeyStore keyStore;
        try {
            provider = SunPkcs11ProviderFactory.create(purpose, library, slot, attributeBlocks);
            keyStore = KeyStore.getInstance("PKCS11", provider);
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "configure provider");
        }
        LoggedInToken token = new LoggedInToken(module, library, slot, info, pin, provider, keyStore);
        token.login();
        return token;
    }

    /** Logs in (if the process is not logged in yet) and (re)loads the KeyStore's label map. */
    void login() {
        char[] secret = pin.read();
        try {
            keyStore.load(null, secret);
        } catch (IOException | GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "login");
        } finally {
            Arrays.fill(secret, '\0');
        }
    }

    Pkcs11Native module() {
        return module;
    }

    /** The library as loaded (absolute). */
    Path library() {
        return library;
    }

    long slot() {
        return slot;
    }

    /** What {@code C_GetTokenInfo} said at open. */
    Pkcs11Native.TokenInfo info() {
        return info;
    }

    Provider provider() {
        return provider;
    }

    KeyStore keyStore() {
        return keyStore;
    }
}
