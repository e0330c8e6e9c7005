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
        if (key.getKeySpecValue() != 0 || key.getKeyUsageValue() != 0) {
            // AES-256 keys show as they always did; an asymmetric key says what it is and does.
            field(out, "Key spec", key.getKeySpec() + ", " + key.getKeyUsage());
        }
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
        boolean asymmetric = key.getKeySpecValue() != 0;
        TextTable versions = asymmetric
                ? new TextTable("VERSION", "STATE", "CREATED", "PRIMARY", "PUBLIC KEY SHA-256")
                : new TextTable("VERSION", "STATE", "CREATED", "PRIMARY");
        for (KeyVersion version : key.getVersionsList()) {
            String state = version.getState().name().replaceFirst("^KEY_VERSION_", "");
            String primary = version.getVersion() == key.getPrimaryVersion() ? "*" : "";
            if (asymmetric) {
                versions.row(Integer.toUnsignedString(version.getVersion()), state, Times.format(version.getCreateTime()),
                        primary, fingerprint(version.getPublicKeyDer().toByteArray()));
            } else {
                versions.row(Integer.toUnsignedString(version.getVersion()), state, Times.format(version.getCreateTime()),
                        primary);
            }
        }
        versions.render().lines().forEach(line -> out.append("  ").append(line).append('\n'));
        return out.toString();
    }

    /** SHA-256 of a public key's DER, hex: what `openssl pkey -pubin -outform DER | sha256sum` prints. */
    private static String fingerprint(byte[] der) {
        if (der.length == 0) {
            return "-";
        }
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
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
