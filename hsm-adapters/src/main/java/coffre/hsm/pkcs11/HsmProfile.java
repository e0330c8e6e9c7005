package coffre.hsm.pkcs11;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What Coffre knows about one HSM product: where its PKCS#11 library usually lives and which
 * optional behaviours it supports. Loaded from data ({@code coffre/hsm/profiles/<name>.properties})
 * by {@link HsmProfiles}, so supporting another vendor is a new file, not new code.
 *
 * @param name                 the profile name used in configuration, e.g. {@code softhsm2}
 * @param displayName          the product name, for logs and {@link coffre.hsm.HsmInfo}
 * @param tested               whether Coffre's conformance suite has run against this product
 * @param libraryPaths         usual library locations, most likely first
 * @param sessionKeyCopies     whether the HSM can make a session-object copy of a token key with
 *                             {@code C_CopyObject} (a large speed-up on SoftHSM2; see DESIGN.md)
 * @param ivFromHsmRng         whether GCM IVs must be drawn from the HSM's RNG rather than the JDK's
 *                             DRBG (for HSM policies that require approved-RNG IVs)
 * @param maxSessionsHint      a sensible upper bound for {@code hsm.sessions} on this product
 */
public record HsmProfile(String name, String displayName, boolean tested, List<Path> libraryPaths,
                         boolean sessionKeyCopies, boolean ivFromHsmRng, int maxSessionsHint) {

    public HsmProfile {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("HSM profile name must be lower-case letters, digits and '-', got '" + name + "'");
        }
        if (displayName == null || displayName.isBlank()) {
            throw new IllegalArgumentException("HSM profile " + name + ": display-name must not be blank");
        }
        libraryPaths = List.copyOf(libraryPaths);
        if (libraryPaths.isEmpty()) {
            throw new IllegalArgumentException("HSM profile " + name + ": library.paths must list at least one path");
        }
        if (maxSessionsHint < 1 || maxSessionsHint > Pkcs11HsmConfig.MAX_SESSIONS) {
            throw new IllegalArgumentException("HSM profile " + name + ": max-sessions-hint must be 1.."
                    + Pkcs11HsmConfig.MAX_SESSIONS + ", got " + maxSessionsHint);
        }
    }

    /** The first usual library path that exists on this machine, if any. */
    public Optional<Path> installedLibrary() {
        return libraryPaths.stream().filter(Files::isRegularFile).findFirst();
    }
}
