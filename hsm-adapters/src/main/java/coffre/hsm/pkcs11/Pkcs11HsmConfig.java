package coffre.hsm.pkcs11;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The validated settings for one {@link Pkcs11Hsm}: read once at start, immutable, holding no secret
 * (the PIN is only a {@link PinSource}).
 *
 * <p>Why validation here: the server must fail fast at start with a message naming the bad
 * setting, not deep inside the first key operation. Each message names the setting as operators
 * write it ({@code hsm.profile}, {@code hsm.sessions}, ...) and what is allowed.
 *
 * @param profile          the {@link HsmProfile} name, one of {@link HsmProfiles#KNOWN}
 * @param library          the PKCS#11 library; {@code null} means the profile's first installed
 *                         default path, resolved by {@link #resolvedLibrary()}
 * @param token            which token to use
 * @param pin              where the user PIN comes from
 * @param sessions         how many operations may run at once (1..{@value #MAX_SESSIONS}); size the
 *                         worker pool that calls the {@link coffre.hsm.Hsm} the same
 * @param sessionKeyCopies whether to make session-object copies of token keys; {@code null} means
 *                         the profile's default. {@code true} on a profile that does not support
 *                         them is refused.
 * @param timeouts         deadlines and intervals ({@code hsm.operationTimeout}, ...); {@code null}
 *                         means {@link HsmTimeouts#DEFAULTS}
 */
public record Pkcs11HsmConfig(String profile, Path library, TokenSelector token, PinSource pin,
                              int sessions, Boolean sessionKeyCopies, HsmTimeouts timeouts) {
    /** Upper bound of {@code hsm.sessions}. */
    public static final int MAX_SESSIONS = 256;

    public Pkcs11HsmConfig {
        HsmProfile p = HsmProfiles.load(profile);
        Objects.requireNonNull(token, "hsm.token must select a token by label, slot id or slot index");
        Objects.requireNonNull(pin, "hsm.pin must name an environment variable or a file");
        if (sessions < 1 || sessions > MAX_SESSIONS) {
            throw new IllegalArgumentException("hsm.sessions must be between 1 and " + MAX_SESSIONS + ", got " + sessions);
        }
        if (sessions > p.maxSessionsHint()) {
            throw new IllegalArgumentException("hsm.sessions must be at most " + p.maxSessionsHint()
                    + " for profile " + profile + " (its max-sessions-hint), got " + sessions);
        }
        if (Boolean.TRUE.equals(sessionKeyCopies) && !p.sessionKeyCopies()) {
            throw new IllegalArgumentException("hsm.session-key-copies=true is not supported by profile "
                    + profile + "; allowed: false or unset");
        }
        if (library != null && !library.isAbsolute()) {
            throw new IllegalArgumentException("hsm.library must be an absolute path, got " + library);
        }
        if (timeouts == null) {
            timeouts = HsmTimeouts.DEFAULTS;
        }
    }

    /** A config with {@link HsmTimeouts#DEFAULTS}. */
    public Pkcs11HsmConfig(String profile, Path library, TokenSelector token, PinSource pin, int sessions,
                           Boolean sessionKeyCopies) {
        this(profile, library, token, pin, sessions, sessionKeyCopies, null);
    }

    /** A config using the profile's default library and session-copy setting. */
    public static Pkcs11HsmConfig of(String profile, TokenSelector token, PinSource pin, int sessions) {
        return new Pkcs11HsmConfig(profile, null, token, pin, sessions, null, null);
    }

    /** The {@link HsmProfile} named by {@link #profile()}. */
    public HsmProfile hsmProfile() {
        return HsmProfiles.load(profile);
    }

    /**
     * The library to load: {@link #library()} if set, else the profile's first installed default.
     *
     * @throws IllegalArgumentException naming the paths tried when no default is installed
     */
    public Path resolvedLibrary() {
        if (library != null) {
            return library;
        }
        HsmProfile p = hsmProfile();
        return p.installedLibrary().orElseThrow(() -> new IllegalArgumentException(
                "hsm.library is not set and none of the default paths of profile " + profile
                        + " exists: " + p.libraryPaths() + "; set hsm.library"));
    }

    /** Whether session-object copies are wanted: the explicit setting, else the profile default. */
    public boolean wantsSessionKeyCopies() {
        return sessionKeyCopies != null ? sessionKeyCopies : hsmProfile().sessionKeyCopies();
    }

    public Pkcs11HsmConfig withSessionKeyCopies(Boolean copies) {
        return new Pkcs11HsmConfig(profile, library, token, pin, sessions, copies, timeouts);
    }

    public Pkcs11HsmConfig withPin(PinSource newPin) {
        return new Pkcs11HsmConfig(profile, library, token, newPin, sessions, sessionKeyCopies, timeouts);
    }

    public Pkcs11HsmConfig withToken(TokenSelector newToken) {
        return new Pkcs11HsmConfig(profile, library, newToken, pin, sessions, sessionKeyCopies, timeouts);
    }

    public Pkcs11HsmConfig withSessions(int n) {
        return new Pkcs11HsmConfig(profile, library, token, pin, n, sessionKeyCopies, timeouts);
    }

    /** The same settings over another copy of the library (see {@link RecoveringHsm}). */
    public Pkcs11HsmConfig withLibrary(Path newLibrary) {
        return new Pkcs11HsmConfig(profile, newLibrary, token, pin, sessions, sessionKeyCopies, timeouts);
    }

    public Pkcs11HsmConfig withTimeouts(HsmTimeouts newTimeouts) {
        return new Pkcs11HsmConfig(profile, library, token, pin, sessions, sessionKeyCopies, newTimeouts);
    }
}
