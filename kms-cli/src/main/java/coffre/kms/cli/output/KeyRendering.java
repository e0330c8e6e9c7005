package coffre.kms.cli.output;

import coffre.kms.v1.Key;
import coffre.kms.v1.KeyVersion;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Human renderings of keys: a table with one row per key ({@code keys list}), and a labelled block
 * with versions ({@code keys show} and the commands that change a key).
 */
public final class KeyRendering {

    /** Wide enough for the longest label, "Primary version:", and one space. */
    private static final int LABEL_WIDTH = 17;

    private KeyRendering() {
    }

    /** Columns ID, ALIAS, STATE, PRIMARY, VERSIONS, CREATED; header only for no keys. */
    public static String table(List<Key> keys) {
        TextTable table = new TextTable("ID", "ALIAS", "STATE", "PRIMARY", "VERSIONS", "CREATED");
        for (Key key : keys) {
            table.row(
                    key.getId(),
                    orDash(key.getAlias()),
                    key.getState().name(),
                    Integer.toUnsignedString(key.getPrimaryVersion()),
                    Integer.toString(key.getVersionsCount()),
                    Times.format(key.getCreateTime()));
        }
        return table.render();
    }

    /** Every field of {@code key}; deletion and destruction times only when set; then its versions. */
    public static String details(Key key) {
        StringBuilder out = new StringBuilder();
        field(out, "ID", key.getId());
        field(out, "Alias", orDash(key.getAlias()));
        field(out, "Description", orDash(key.getDescription()));
        field(out, "State", key.getState().name());
        field(out, "Protection", key.getProtectionLevel().name());
        field(out, "Primary version", Integer.toUnsignedString(key.getPrimaryVersion()));
        field(out, "Labels", labels(key.getLabelsMap()));
        field(out, "Created", Times.format(key.getCreateTime()));
        field(out, "Updated", Times.format(key.getUpdateTime()));
        if (key.hasDeletionTime()) {
            field(out, "Deletion time", Times.format(key.getDeletionTime()));
        }
        if (key.hasDestroyTime()) {
            field(out, "Destroyed", Times.format(key.getDestroyTime()));
        }
        out.append("Versions:\n");
        TextTable versions = new TextTable("VERSION", "STATE", "CREATED", "PRIMARY");
        for (KeyVersion version : key.getVersionsList()) {
            versions.row(
                    Integer.toUnsignedString(version.getVersion()),
                    version.getState().name().replaceFirst("^KEY_VERSION_", ""),
                    Times.format(version.getCreateTime()),
                    version.getVersion() == key.getPrimaryVersion() ? "*" : "");
        }
        versions.render().lines().forEach(line -> out.append("  ").append(line).append('\n'));
        return out.toString();
    }

    private static void field(StringBuilder out, String label, String value) {
        out.append(String.format("%-" + LABEL_WIDTH + "s", label + ":")).append(Printable.clean(value)).append('\n');
    }

    private static String labels(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "-";
        }
        return new TreeMap<>(labels).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String orDash(String value) {
        return value.isEmpty() ? "-" : value;
    }
}
