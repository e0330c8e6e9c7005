package coffre.kms.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The build's SBOMs say what the modules really ship. Each module's target/bom.json (CycloneDX, made
 * by `mvn package`) must name the module, list every runtime dependency its pom declares, leave out
 * test-only ones, give every component a SHA-256 that matches the jar it names, and — for the
 * programs that copy their class path to target/lib — list exactly those jars. The root's
 * target/bom.json must aggregate them all.
 */
class SbomIT {
    private static final Path ROOT = Path.of(System.getProperty("coffre.root")).toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("coffre.version");
    private static final Path M2 = Path.of(System.getProperty("maven.repo.local",
            System.getProperty("user.home") + "/.m2/repository"));
    /** Modules that are reactor members but ship nothing of their own. */
    private static final Set<String> NOT_CHECKED = Set.of("kms-dist");

    private static List<Poms.Module> modules;

    @BeforeAll
    static void readPoms() throws Exception {
        modules = Poms.modules(ROOT);
    }

    static Stream<String> moduleDirs() throws Exception {
        return Poms.modules(ROOT).stream().map(Poms.Module::dir).filter(d -> !NOT_CHECKED.contains(d));
    }

    private static Poms.Module module(String dir) {
        return modules.stream().filter(m -> m.dir().equals(dir)).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @MethodSource("moduleDirs")
    void moduleBomListsWhatTheModuleShips(String dir) throws IOException {
        Poms.Module module = module(dir);
        Boms.Bom bom = Boms.read(ROOT.resolve(dir).resolve("target/bom.json"));

        assertEquals("fr.coffre:" + module.artifactId(), bom.subject().group() + ":" + bom.subject().name());
        assertEquals(VERSION, bom.subject().version());

        Set<String> listed = bom.keys();
        Set<String> direct = bom.dependsOn().getOrDefault(bom.subject().bomRef(), Set.of());
        for (Poms.Declared d : module.dependencies()) {
            if (d.shipped()) {
                assertTrue(listed.contains(d.key()), dir + ": its bom does not list " + d.key() + " (" + listed + ")");
                String ref = bom.components().stream().filter(c -> c.key().equals(d.key())).findFirst()
                        .orElseThrow().bomRef();
                assertTrue(direct.contains(ref), dir + ": the bom's graph does not make " + d.key() + " a direct dependency");
            }
        }
        for (Boms.Component c : bom.components()) {
            assertFalse(c.group().equals("org.junit.jupiter") || c.group().equals("com.tngtech.archunit")
                    || c.group().equals("org.bouncycastle"), dir + ": a test-only dependency in its bom: " + c.key());
        }

        Path lib = ROOT.resolve(dir).resolve("target/lib");
        if (Files.isDirectory(lib)) {
            // A program: its bom is exactly the jars of its class path, byte for byte.
            assertEquals(jarsIn(lib), new TreeSet<>(bom.jarNames()), dir + ": bom and target/lib differ");
            for (Boms.Component c : bom.components()) {
                assertEquals(c.sha256(), Boms.sha256(lib.resolve(c.jarName())), dir + ": SHA-256 of " + c.jarName());
            }
        } else {
            for (Boms.Component c : bom.components()) {
                assertEquals(c.sha256(), Boms.sha256(artifactFile(c)), dir + ": SHA-256 of " + c.jarName());
            }
        }
    }

    @Test
    void programBomsNameTheirKeyLibraries() throws IOException {
        Set<String> server = Boms.read(ROOT.resolve("kms-server/target/bom.json")).keys();
        for (String key : List.of("io.vertx:vertx-core", "io.vertx:vertx-grpcio-server",
                "io.netty:netty-tcnative-boringssl-static:linux-x86_64", "org.postgresql:postgresql",
                "com.h2database:h2", "org.flywaydb:flyway-core", "fr.coffre:kms-proto", "fr.coffre:hsm-adapters")) {
            assertTrue(server.contains(key), "kms-server's bom lacks " + key);
        }
        Set<String> cli = Boms.read(ROOT.resolve("kms-cli/target/bom.json")).keys();
        assertTrue(cli.contains("info.picocli:picocli") && cli.contains("io.grpc:grpc-netty-shaded")
                && cli.contains("fr.coffre:kms-client"), "kms-cli's bom: " + cli);
        assertFalse(cli.contains("io.vertx:vertx-core"), "the CLI does not ship the server's Vert.x");
    }

    @Test
    void rootBomAggregatesEveryModule() throws IOException {
        Boms.Bom aggregate = Boms.read(ROOT.resolve("target/bom.json"), true);
        assertEquals("fr.coffre:coffre-parent", aggregate.subject().group() + ":" + aggregate.subject().name());
        Set<String> purls = purls(aggregate);
        for (Poms.Module m : modules) {
            if (NOT_CHECKED.contains(m.dir())) {
                continue;
            }
            assertTrue(aggregate.keys().contains("fr.coffre:" + m.artifactId()), "aggregate lacks module " + m.artifactId());
            Set<String> missing = new TreeSet<>(purls(Boms.read(ROOT.resolve(m.dir()).resolve("target/bom.json"))));
            missing.removeAll(purls);
            assertEquals(Set.of(), missing, "components of " + m.dir() + " missing from the aggregate");
        }
    }

    private static Set<String> purls(Boms.Bom bom) {
        return bom.components().stream().map(c -> c.key() + "@" + c.version()).collect(Collectors.toSet());
    }

    /** Where Maven keeps the artifact: the reactor module's target/, else the local repository. */
    private static Path artifactFile(Boms.Component c) {
        if (c.group().equals("fr.coffre")) {
            Map<String, String> dirs = modules.stream().collect(Collectors.toMap(Poms.Module::artifactId, Poms.Module::dir));
            return ROOT.resolve(dirs.get(c.name())).resolve("target").resolve(c.jarName());
        }
        return M2.resolve(c.group().replace('.', '/')).resolve(c.name()).resolve(c.version()).resolve(c.jarName());
    }

    static Set<String> jarsIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
