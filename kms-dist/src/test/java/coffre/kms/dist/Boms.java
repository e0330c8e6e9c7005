package coffre.kms.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CycloneDX JSON boms read the way the packaging checks need them: each component by its Maven
 * coordinates (from its package URL, the only field that carries the classifier), with its
 * SHA-256, and the dependency graph. Shared by the SBOM and release-archive checks so that both
 * parse a bom the same way, strictly: a component without a Maven package URL or a SHA-256 fails.
 */
final class Boms {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Boms() {
    }

    /** One Maven artifact named by a bom. */
    record Component(String group, String name, String version, String classifier, String type, String sha256,
                     String bomRef) {
        /** group:name, plus :classifier when there is one — how a pom names a dependency. */
        String key() {
            return group + ":" + name + (classifier == null ? "" : ":" + classifier);
        }

        /** The file name Maven's copy-dependencies gives the artifact (name-version[-classifier].jar). */
        String jarName() {
            return name + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
        }
    }

    /** A parsed bom: the component it describes, the components it lists, and who depends on whom. */
    record Bom(JsonNode json, Component subject, List<Component> components, Map<String, Set<String>> dependsOn) {
        Set<String> keys() {
            Set<String> keys = new LinkedHashSet<>();
            components.forEach(c -> keys.add(c.key()));
            return keys;
        }

        Set<String> jarNames() {
            Set<String> names = new LinkedHashSet<>();
            components.forEach(c -> names.add(c.jarName()));
            return names;
        }
    }

    static Bom read(Path file) throws IOException {
        return read(file, false);
    }

    /**
     * Reads a bom. {@code aggregate}: the root's aggregate, made when the build starts, before the
     * project's own modules are packaged, so those (fr.coffre) are listed without a hash.
     */
    static Bom read(Path file, boolean aggregate) throws IOException {
        assertTrue(Files.isRegularFile(file), "no SBOM at " + file);
        JsonNode root;
        try (InputStream in = Files.newInputStream(file)) {
            root = JSON.readTree(in);
        }
        assertEquals("CycloneDX", root.path("bomFormat").asText(), file + ": bomFormat");
        assertEquals("1.6", root.path("specVersion").asText(), file + ": specVersion");
        assertTrue(root.path("serialNumber").asText().startsWith("urn:uuid:"), file + ": serialNumber");
        Component subject = component(root.path("metadata").path("component"), false, file);
        List<Component> components = new ArrayList<>();
        for (JsonNode node : root.path("components")) {
            boolean ours = node.path("group").asText().equals("fr.coffre");
            components.add(component(node, !(aggregate && ours), file));
        }
        Map<String, Set<String>> dependsOn = new HashMap<>();
        for (JsonNode node : root.path("dependencies")) {
            Set<String> refs = new LinkedHashSet<>();
            node.path("dependsOn").forEach(ref -> refs.add(ref.asText()));
            dependsOn.put(node.path("ref").asText(), refs);
        }
        return new Bom(root, subject, components, dependsOn);
    }

    private static Component component(JsonNode node, boolean needsHash, Path file) {
        String purl = node.path("purl").asText(null);
        assertNotNull(purl, file + ": a component without a package URL: " + node);
        assertTrue(purl.startsWith("pkg:maven/"), file + ": not a Maven package URL: " + purl);
        // pkg:maven/GROUP/NAME@VERSION?classifier=C&type=T
        String rest = purl.substring("pkg:maven/".length());
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        int at = rest.lastIndexOf('@');
        assertTrue(slash > 0 && at > slash, file + ": malformed package URL " + purl);
        Map<String, String> qualifiers = new HashMap<>();
        for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
            int eq = pair.indexOf('=');
            qualifiers.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        String group = decode(rest.substring(0, slash));
        String name = decode(rest.substring(slash + 1, at));
        String version = decode(rest.substring(at + 1));
        assertEquals(name, node.path("name").asText(), file + ": name and package URL disagree: " + purl);
        assertEquals(version, node.path("version").asText(), file + ": version and package URL disagree: " + purl);
        String sha256 = null;
        for (JsonNode hash : node.path("hashes")) {
            if ("SHA-256".equals(hash.path("alg").asText())) {
                sha256 = hash.path("content").asText();
            }
        }
        if (needsHash) {
            assertNotNull(sha256, file + ": no SHA-256 for " + purl);
        }
        return new Component(group, name, version, qualifiers.get("classifier"), qualifiers.getOrDefault("type", "jar"),
                sha256, node.path("bom-ref").asText(purl));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
