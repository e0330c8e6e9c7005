import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes the CycloneDX 1.6 bom of what the container image adds below Coffre's own jars (whose boms
 * the release archive already carries): every Debian package installed in its root file system,
 * from dpkg's status file, and the jlinked Java runtime, from its release file. Run by
 * deploy/image/build.sh with the JDK's source launcher, so the image build needs no other tool:
 *
 *   java deploy/image/ImageSbom.java DPKG_STATUS JAVA_RELEASE > image-os.cdx.json
 */
public final class ImageSbom {
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java ImageSbom.java DPKG_STATUS JAVA_RELEASE");
            System.exit(2);
        }
        List<String> components = new ArrayList<>();
        for (Map<String, String> pkg : stanzas(Files.readString(Path.of(args[0])))) {
            if (!pkg.getOrDefault("Status", "").endsWith(" installed")) {
                continue;
            }
            String name = pkg.get("Package");
            String version = pkg.get("Version");
            String arch = pkg.get("Architecture");
            String purl = "pkg:deb/debian/" + name + "@" + version.replace(":", "%3A") + "?arch=" + arch + "&distro=debian-12";
            components.add(object("type", "library", "bom-ref", purl, "name", name, "version", version, "purl", purl));
        }
        Map<String, String> release = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                release.put(line.substring(0, eq), line.substring(eq + 1).replaceAll("^\"|\"$", ""));
            }
        }
        String runtimeVersion = release.getOrDefault("JAVA_RUNTIME_VERSION", release.get("JAVA_VERSION"));
        String runtime = object("type", "platform", "bom-ref", "java-runtime", "name", "java-runtime (jlink)",
                "version", runtimeVersion, "supplier-name", release.getOrDefault("IMPLEMENTOR", "unknown"));
        components.add(runtime.substring(0, runtime.length() - 1)
                + ",\"properties\":[" + object("name", "java.modules", "value", release.getOrDefault("MODULES", "")) + "]}");
        System.out.println("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"serialNumber\":\"urn:uuid:"
                + UUID.randomUUID() + "\",\"version\":1,\"metadata\":{\"timestamp\":\"" + Instant.now()
                + "\",\"component\":" + object("type", "container", "bom-ref", "coffre-image-os",
                        "name", "coffre/kms-server (Debian 12 and Java runtime layers)")
                + "},\"components\":[\n" + String.join(",\n", components) + "\n]}");
    }

    /** dpkg's status file: stanzas of "Field: value" lines, continuation lines start with a space. */
    private static List<Map<String, String>> stanzas(String text) {
        List<Map<String, String>> out = new ArrayList<>();
        for (String block : text.split("\n\n")) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line : block.split("\n")) {
                int colon = line.indexOf(':');
                if (!line.startsWith(" ") && colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
            if (fields.containsKey("Package")) {
                out.add(fields);
            }
        }
        return out;
    }

    /** A JSON object of string members; "supplier-name" becomes {"supplier":{"name":...}}. */
    private static String object(String... kv) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            if (kv[i].equals("supplier-name")) {
                sb.append("\"supplier\":{\"name\":").append(quote(kv[i + 1])).append('}');
            } else {
                sb.append(quote(kv[i])).append(':').append(quote(kv[i + 1]));
            }
        }
        return sb.append('}').toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
