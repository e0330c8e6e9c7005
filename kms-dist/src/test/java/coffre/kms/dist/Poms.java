package coffre.kms.dist;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The little the checks read from the project's own pom.xml files: the reactor's modules, and each
 * module's artifactId and direct dependencies. The SBOM check compares the boms against this, a
 * source independent of the plugin that wrote them.
 */
final class Poms {
    private Poms() {
    }

    /** A direct dependency as a pom declares it (scope null means compile). */
    record Declared(String group, String artifact, String classifier, String scope) {
        String key() {
            return group + ":" + artifact + (classifier == null ? "" : ":" + classifier);
        }

        boolean shipped() {
            return scope == null || scope.equals("compile") || scope.equals("runtime");
        }
    }

    /** A module of the reactor: its directory (relative to the root) and what its pom declares. */
    record Module(String dir, String artifactId, List<Declared> dependencies) {
    }

    static List<Module> modules(Path root) throws Exception {
        Element project = parse(root.resolve("pom.xml"));
        List<Module> modules = new ArrayList<>();
        for (Element m : children(child(project, "modules"), "module")) {
            String dir = m.getTextContent().trim();
            Element pom = parse(root.resolve(dir).resolve("pom.xml"));
            List<Declared> dependencies = new ArrayList<>();
            Element deps = child(pom, "dependencies");
            if (deps != null) {
                for (Element d : children(deps, "dependency")) {
                    dependencies.add(new Declared(text(d, "groupId"), text(d, "artifactId"), text(d, "classifier"),
                            text(d, "scope")));
                }
            }
            modules.add(new Module(dir, text(pom, "artifactId"), dependencies));
        }
        return modules;
    }

    private static Element parse(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().trim();
    }
}
