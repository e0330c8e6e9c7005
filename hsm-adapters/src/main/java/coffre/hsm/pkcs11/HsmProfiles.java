package coffre.hsm.pkcs11;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads {@link HsmProfile}s from the class path ({@code coffre/hsm/profiles/<name>.properties}).
 *
 * <p>Why data and not classes: vendors differ in library paths and a few capabilities, not in
 * logic; keeping those differences in one commented file per vendor makes them reviewable by HSM
 * administrators and keeps quirks next to the setting they explain.
 */
public final class HsmProfiles {
    /** The profiles shipped with Coffre. */
    public static final List<String> KNOWN = List.of(
            "softhsm2", "eviden-proteccio", "thales-luna", "entrust-nshield", "utimaco");

    private static final String DIR = "/coffre/hsm/profiles/";
    private static final Set<String> KEYS = Set.of("name", "display-name", "tested", "library.paths",
            "session-key-copies", "gcm.iv-from-hsm-rng", "max-sessions-hint");

    private HsmProfiles() {
    }

    /**
     * Loads the named profile.
     *
     * @throws IllegalArgumentException for an unknown name (listing the known ones) or a malformed file
     */
    public static HsmProfile load(String name) {
        if (name == null || !KNOWN.contains(name)) {
            throw new IllegalArgumentException("hsm.profile '" + name + "' is unknown; known profiles: "
                    + String.join(", ", KNOWN));
        }
        Properties p = new Properties();
        try (InputStream in = HsmProfiles.class.getResourceAsStream(DIR + name + ".properties")) {
            if (in == null) {
                throw new IllegalStateException("HSM profile resource " + DIR + name + ".properties is missing from the class path");
            }
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read HSM profile " + name, e);
        }
        return parse(name, p);
    }

    static HsmProfile parse(String name, Properties p) {
        Set<String> unknown = new TreeSet<>(p.stringPropertyNames());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("HSM profile " + name + ": unknown keys " + unknown + "; allowed: " + new TreeSet<>(KEYS));
        }
        if (!name.equals(p.getProperty("name"))) {
            throw new IllegalArgumentException("HSM profile " + name + ": name must be '" + name + "', got '" + p.getProperty("name") + "'");
        }
        List<Path> libraries = Arrays.stream(required(name, p, "library.paths").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).map(Path::of).toList();
        int maxSessions;
        try {
            maxSessions = Integer.parseInt(required(name, p, "max-sessions-hint"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("HSM profile " + name + ": max-sessions-hint must be an integer");
        }
        return new HsmProfile(name, required(name, p, "display-name"), bool(name, p, "tested"), libraries,
                bool(name, p, "session-key-copies"), bool(name, p, "gcm.iv-from-hsm-rng"), maxSessions);
    }

    private static String required(String name, Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("HSM profile " + name + ": " + key + " is required");
        }
        return v.strip();
    }

    private static boolean bool(String name, Properties p, String key) {
        return switch (required(name, p, key)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("HSM profile " + name + ": " + key + " must be true or false");
        };
    }
}
