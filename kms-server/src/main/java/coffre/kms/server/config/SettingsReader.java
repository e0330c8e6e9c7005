package coffre.kms.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed access to the configuration tree by dotted path, with the environment's overrides,
 * remembering what was read so that {@link #rejectUnknown()} can name every setting nobody read:
 * a typo never silently falls back to a default.
 */
final class SettingsReader {
    private static final String ENV_PREFIX = "COFFRE_";

    private final Map<String, Object> tree;
    private final Map<String, String> env;
    private final Path base;
    private final Set<String> known = new TreeSet<>();

    SettingsReader(Map<String, Object> tree, Map<String, String> env, Path base) {
        this.tree = tree;
        this.env = env;
        this.base = base;
    }

    String envValue(String name) {
        return env.get(name);
    }

    private Object raw(String path) {
        known.add(path);
        String override = env.get(envName(path));
        if (override != null) {
            return override;
        }
        Object node = tree;
        for (String part : path.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(part);
        }
        return node;
    }

    static String envName(String path) {
        return ENV_PREFIX + path.replace(".", "_").replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    String optionalString(String path) {
        Object v = raw(path);
        if (v == null) {
            return null;
        }
        if (v instanceof Map || v instanceof List) {
            throw new ConfigException(path + ": expected a single value");
        }
        String s = v.toString().trim();
        return s.isEmpty() ? null : s;
    }

    String string(String path, String defaultValue) {
        String s = optionalString(path);
        if (s != null) {
            return s;
        }
        if (defaultValue == null) {
            throw new ConfigException(path + ": required (or set " + envName(path) + ")");
        }
        return defaultValue;
    }

    Integer optionalInteger(String path) {
        Long v = optionalLong(path);
        if (v == null) {
            return null;
        }
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new ConfigException(path + ": must be a non-negative integer");
        }
        return v.intValue();
    }

    Long optionalLong(String path) {
        String s = optionalString(path);
        if (s == null) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ConfigException(path + ": \"" + s + "\" is not an integer");
        }
    }

    int integer(String path, int defaultValue, int min, int max) {
        Long v = optionalLong(path);
        long value = v == null ? defaultValue : v;
        if (value < min || value > max) {
            throw new ConfigException(path + ": " + value + " is out of range; allowed " + min + " to " + max);
        }
        return (int) value;
    }

    Boolean optionalBoolean(String path) {
        String s = optionalString(path);
        if (s == null) {
            return null;
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new ConfigException(path + ": \"" + s + "\" is not true or false");
        };
    }

    Duration duration(String path, Duration defaultValue) {
        String s = optionalString(path);
        if (s == null) {
            return defaultValue;
        }
        try {
            Duration d = Duration.parse(s);
            if (d.isNegative() || d.isZero()) {
                throw new ConfigException(path + ": must be positive");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new ConfigException(path + ": \"" + s + "\" is not an ISO-8601 duration such as PT1M");
        }
    }

    Path optionalPath(String path) {
        String s = optionalString(path);
        return s == null ? null : base.resolve(s).normalize();
    }

    Path path(String path) {
        Path p = optionalPath(path);
        if (p == null) {
            throw new ConfigException(path + ": required (or set " + envName(path) + ")");
        }
        return p;
    }

    Path readableFile(String path) {
        Path p = path(path);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new ConfigException(path + ": cannot read file " + p);
        }
        return p;
    }

    List<String> list(String path) {
        return list(path, ",");
    }

    /** As {@link #list(String)}, a single string (an environment variable) split on {@code separator}. */
    List<String> list(String path, String separator) {
        Object v = raw(path);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> items) {
            for (Object item : items) {
                if (item == null || item instanceof Map || item instanceof List || item.toString().isBlank()) {
                    throw new ConfigException(path + ": every entry must be a non-empty string");
                }
                out.add(item.toString().trim());
            }
        } else if (v instanceof String s) {
            Arrays.stream(s.split(java.util.regex.Pattern.quote(separator))).map(String::trim).filter(x -> !x.isEmpty()).forEach(out::add);
        } else {
            throw new ConfigException(path + ": expected a list of strings");
        }
        return out;
    }

    /** Fails on any leaf in the file that no setting read. */
    void rejectUnknown() {
        List<String> unknown = new ArrayList<>();
        collectLeaves(tree, "", unknown);
        unknown.removeIf(known::contains);
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown setting(s): " + String.join(", ", unknown)
                    + "; known settings: " + String.join(", ", known));
        }
    }

    private static void collectLeaves(Map<?, ?> map, String prefix, List<String> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String path = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> child) {
                collectLeaves(child, path + ".", out);
            } else {
                out.add(path);
            }
        }
    }
}
