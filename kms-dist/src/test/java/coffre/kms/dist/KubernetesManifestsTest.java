package coffre.kms.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * deploy/k8s runs the image deploy/image/build.sh makes: the Deployment names that image and
 * version, runs it as the image's user with a read-only root file system, and gives it a volume for
 * each path the image declares writable. Fails when the image's name, user or volumes change
 * without the manifests (or a release bumps the version without them).
 */
class KubernetesManifestsTest {
    private static final Path ROOT = Path.of(System.getProperty("coffre.root", "..")).toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("coffre.version");

    @Test
    void deploymentRunsTheBuiltImageNonRootReadOnlyWithItsVolumes() throws IOException {
        String build = Files.readString(ROOT.resolve("deploy/image/build.sh"));
        String imageName = shellConstant(build, "IMAGE_NAME");
        String uid = shellConstant(build, "IMAGE_UID");
        Set<String> imageVolumes = Pattern.compile("--config\\.volume (\\S+)").matcher(build).results()
                .map(m -> m.group(1)).collect(Collectors.toSet());
        assertEquals(Set.of("/tmp", "/var/lib/coffre"), imageVolumes);

        Map<?, ?> deployment = yaml("deploy/k8s/deployment.yaml");
        Map<?, ?> pod = map(map(map(deployment, "spec"), "template"), "spec");
        Map<?, ?> container = (Map<?, ?>) ((List<?>) pod.get("containers")).get(0);
        assertEquals(imageName + ":" + VERSION, container.get("image"));

        Map<?, ?> security = map(container, "securityContext");
        assertEquals(true, security.get("runAsNonRoot"));
        assertEquals(Integer.valueOf(uid), security.get("runAsUser"));
        assertEquals(Integer.valueOf(uid), security.get("runAsGroup"));
        assertEquals(true, security.get("readOnlyRootFilesystem"));
        assertEquals(false, security.get("allowPrivilegeEscalation"));
        assertEquals(List.of("ALL"), map(security, "capabilities").get("drop"));
        assertEquals(true, map(pod, "securityContext").get("runAsNonRoot"));

        Set<String> emptyDirs = ((List<?>) pod.get("volumes")).stream().map(v -> (Map<?, ?>) v)
                .filter(v -> v.containsKey("emptyDir")).map(v -> (String) v.get("name")).collect(Collectors.toSet());
        for (String path : imageVolumes) {
            assertTrue(((List<?>) container.get("volumeMounts")).stream().map(m -> (Map<?, ?>) m).anyMatch(m ->
                    path.equals(m.get("mountPath")) && emptyDirs.contains(m.get("name"))),
                    "no writable volume at " + path);
        }

        Map<?, ?> kustomization = yaml("deploy/k8s/kustomization.yaml");
        Map<?, ?> image = (Map<?, ?>) ((List<?>) kustomization.get("images")).get(0);
        assertEquals(imageName, image.get("name"));
        assertEquals(VERSION, image.get("newTag"));
    }

    private static String shellConstant(String script, String name) {
        Matcher m = Pattern.compile("(?m)^readonly " + name + "=(\\S+)$").matcher(script);
        assertTrue(m.find(), "deploy/image/build.sh has no " + name);
        return m.group(1);
    }

    private static Map<?, ?> yaml(String file) throws IOException {
        return (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(ROOT.resolve(file)));
    }

    private static Map<?, ?> map(Map<?, ?> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof Map, key + " is not a mapping in " + parent.keySet());
        return (Map<?, ?>) value;
    }
}
