package coffre.hsm.testing;

import coffre.hsm.pkcs11.PinSource;
import coffre.hsm.pkcs11.Pkcs11HsmConfig;
import coffre.hsm.pkcs11.TokenSelector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A SoftHSM2 token for tests, shared by every test in the JVM (and by the JVMs of one build).
 *
 * <p>The build sets {@code SOFTHSM2_CONF} for test JVMs (root pom, surefire and failsafe) to
 * {@code target/softhsm/softhsm2.conf}. On first use this fixture writes that file (token directory
 * {@code tokens/} beside it, file object store, log level ERROR) and, if the token
 * {@value #LABEL} does not exist yet, initialises it with a random user PIN and a random SO PIN.
 * The user PIN is stored in {@code user.pin} beside the conf (mode 600) and is never printed; the SO
 * PIN is not kept. A file lock makes concurrent test JVMs wait for one another.
 *
 * <p>{@link #pkcs11ToolObjects()} lists the token's secret keys through OpenSC's {@code pkcs11-tool}
 * — a PKCS#11 client independent of the JDK — so tests can check what the token really holds.
 *
 * <p>{@link #get(String)} gives further tokens in the same token directory, each with its own PIN
 * file ({@code <label>.pin}), for tests that damage their token on purpose (fault tests move its
 * {@link #tokenDirectory()} away): the shared token, and every module that uses it, is not touched.
 */
public final class SoftHsmTestToken {
    /** The label of the shared test token. */
    public static final String LABEL = "coffre-test";
    /** Where Debian/Ubuntu install SoftHSM2. */
    public static final Path DEFAULT_LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    private static final String PIN_ENV = "COFFRE_TEST_PIN";

    private static final Map<String, SoftHsmTestToken> INSTANCES = new LinkedHashMap<>();

    private final Path conf;
    private final String label;
    private final Path pinFile;
    private final Path library;

    private SoftHsmTestToken(Path conf, String label, Path library) {
        this.conf = conf;
        this.label = label;
        this.pinFile = conf.resolveSibling(label.equals(LABEL) ? "user.pin" : label + ".pin");
        this.library = library;
    }

    /** The process-wide token, created and initialised on first use. */
    public static SoftHsmTestToken get() {
        return get(LABEL);
    }

    /**
     * The token labelled {@code label} in the shared token directory, created and initialised on
     * first use (labels: letters, digits and '-', at most 32 characters).
     */
    public static synchronized SoftHsmTestToken get(String label) {
        if (!label.matches("[A-Za-z0-9-]{1,32}")) {
            throw new IllegalArgumentException("test token label must be 1..32 letters, digits or '-', got '" + label + "'");
        }
        SoftHsmTestToken instance = INSTANCES.get(label);
        if (instance == null) {
            String env = System.getenv("SOFTHSM2_CONF");
            if (env == null || env.isBlank()) {
                throw new IllegalStateException("SOFTHSM2_CONF is not set: run the tests through Maven (the root pom sets it"
                        + " for surefire and failsafe) or export SOFTHSM2_CONF=<dir>/softhsm2.conf");
            }
            if (!Files.isRegularFile(DEFAULT_LIBRARY)) {
                throw new IllegalStateException("SoftHSM2 is not installed at " + DEFAULT_LIBRARY + " (apt-get install softhsm2 opensc)");
            }
            SoftHsmTestToken t = new SoftHsmTestToken(Path.of(env).toAbsolutePath(), label, DEFAULT_LIBRARY);
            t.prepare();
            instance = t;
            INSTANCES.put(label, instance);
        }
        return instance;
    }

    public String label() {
        return label;
    }

    /**
     * The directory that holds this token's objects ({@code tokens/<uuid>}), found by the token's
     * serial number, which SoftHSM 2 writes at the end of the directory's name.
     */
    public Path tokenDirectory() {
        String serial = null;
        String lastSerial = null;
        for (String line : run(util("--show-slots"), "softhsm2-util --show-slots")) {
            String l = line.strip();
            if (l.startsWith("Serial number:")) {
                lastSerial = l.substring("Serial number:".length()).strip();
            } else if (l.startsWith("Label:") && l.substring("Label:".length()).strip().equals(label)) {
                serial = lastSerial;
            }
        }
        if (serial == null || serial.isEmpty()) {
            throw new IllegalStateException("softhsm2-util lists no token labelled " + label);
        }
        String wanted = serial;
        try (java.util.stream.Stream<Path> dirs = Files.list(conf.resolveSibling("tokens"))) {
            return dirs.filter(d -> d.getFileName().toString().replace("-", "").endsWith(wanted)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no token directory ends with serial " + wanted));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path confPath() {
        return conf;
    }

    /** The file holding the user PIN (mode 600). Read it only to hand it to a PKCS#11 client. */
    public Path pinFile() {
        return pinFile;
    }

    public Path library() {
        return library;
    }

    /** A config for this token with the SoftHSM2 profile's defaults (session key copies on). */
    public Pkcs11HsmConfig config(int sessions) {
        return new Pkcs11HsmConfig("softhsm2", library, TokenSelector.label(label), PinSource.fromFile(pinFile),
                sessions, null);
    }

    /** A config for this token with session key copies explicitly on or off. */
    public Pkcs11HsmConfig config(int sessions, boolean sessionKeyCopies) {
        return config(sessions).withSessionKeyCopies(sessionKeyCopies);
    }

    /** A key object as {@code pkcs11-tool -O} reports it; {@code id} is its {@code CKA_ID} in hex ("" if none). */
    public record ToolObject(String label, String type, Set<String> usage, Set<String> access, String id) {
        public boolean sensitive() {
            return access.contains("sensitive");
        }

        public boolean alwaysSensitive() {
            return access.contains("always sensitive");
        }

        public boolean extractable() {
            return access.contains("extractable");
        }

        public boolean neverExtractable() {
            return access.contains("never extractable");
        }

        public boolean local() {
            return access.contains("local");
        }
    }

    /**
     * The token's secret-key objects by label, as listed by OpenSC {@code pkcs11-tool} in a separate
     * process (logged in; the PIN goes through that process's environment only).
     *
     * @throws IllegalStateException if two objects share a label or pkcs11-tool fails
     */
    public Map<String, ToolObject> pkcs11ToolObjects() {
        return parseToolObjects(pkcs11Tool("--type", "secrkey", "-O"), "Secret Key Object");
    }

    /**
     * The token's private-key objects by label, as listed by {@code pkcs11-tool --type privkey -O}
     * (same process and parsing rules as {@link #pkcs11ToolObjects()}; {@link ToolObject#type()} is
     * e.g. {@code Private Key Object; EC}).
     *
     * @throws IllegalStateException if two private keys share a label or pkcs11-tool fails
     */
    public Map<String, ToolObject> pkcs11ToolPrivateKeys() {
        return parseToolObjects(pkcs11Tool("--type", "privkey", "-O"), "Private Key Object");
    }

    /**
     * The token's public-key objects by label, as listed by {@code pkcs11-tool --type pubkey -O}
     * (same process and parsing rules as {@link #pkcs11ToolObjects()}).
     *
     * @throws IllegalStateException if two public keys share a label or pkcs11-tool fails
     */
    public Map<String, ToolObject> pkcs11ToolPublicKeys() {
        return parseToolObjects(pkcs11Tool("--type", "pubkey", "-O"), "Public Key Object");
    }

    private static Map<String, ToolObject> parseToolObjects(List<String> lines, String header) {
        Map<String, ToolObject> objects = new LinkedHashMap<>();
        String type = null;
        String label = null;
        Set<String> usage = Set.of();
        Set<String> access = Set.of();
        String id = "";
        List<String> all = new ArrayList<>(lines);
        all.add("");
        for (String line : all) {
            if (!line.startsWith(" ") || line.isBlank()) {
                if (type != null && label != null) {
                    if (objects.put(label, new ToolObject(label, type, usage, access, id)) != null) {
                        throw new IllegalStateException("pkcs11-tool lists two objects labelled '" + label + "'");
                    }
                }
                type = line.startsWith(header) ? line.strip() : null;
                label = null;
                usage = Set.of();
                access = Set.of();
                id = "";
                continue;
            }
            String l = line.strip();
            if (l.startsWith("label:")) {
                label = l.substring("label:".length()).strip();
            } else if (l.startsWith("Usage:")) {
                usage = items(l.substring("Usage:".length()));
            } else if (l.startsWith("Access:")) {
                access = items(l.substring("Access:".length()));
            } else if (l.startsWith("ID:")) {
                id = l.substring("ID:".length()).strip();
            }
        }
        return objects;
    }

    /**
     * Runs {@code pkcs11-tool --module <lib> --token-label <label> --login --pin env:...} with
     * {@code args} and returns its standard output lines. Failure messages never hold the PIN.
     */
    public List<String> pkcs11Tool(String... args) {
        List<String> cmd = new ArrayList<>(List.of("pkcs11-tool", "--module", library.toString(),
                "--token-label", label, "--login", "--pin", "env:" + PIN_ENV));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        pb.environment().put(PIN_ENV, readPin());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        return run(pb, "pkcs11-tool " + String.join(" ", args));
    }

    // ---- set-up ----

    private void prepare() {
        try {
            Path dir = conf.getParent();
            Path tokens = dir.resolve("tokens");
            Files.createDirectories(tokens);
            try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                // Held until the channel closes: other test JVMs of the build wait here.
                FileLock lock = ch.lock();
                assert lock.isValid();
                String text = "# Written by SoftHsmTestToken for Coffre's tests.\n"
                        + "directories.tokendir = " + tokens + "\n"
                        + "objectstore.backend = file\n"
                        + "log.level = ERROR\n";
                if (!Files.isRegularFile(conf) || !Files.readString(conf).equals(text)) {
                    Files.writeString(conf, text);
                }
                boolean exists = tokenExists();
                if (exists && Files.isRegularFile(pinFile)) {
                    return;
                }
                if (exists) {
                    // The PIN was lost (e.g. a partial clean): the token is useless, start over.
                    run(util("--delete-token", "--token", label), "softhsm2-util --delete-token");
                }
                char[] pin = randomPin();
                char[] soPin = randomPin();
                try {
                    writePin(pin);
                    run(util("--init-token", "--free", "--label", label, "--pin", new String(pin), "--so-pin", new String(soPin)),
                            "softhsm2-util --init-token --label " + label);
                } finally {
                    Arrays.fill(pin, '\0');
                    Arrays.fill(soPin, '\0');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the SoftHSM2 test token under " + conf.getParent(), e);
        }
    }

    private boolean tokenExists() {
        for (String line : run(util("--show-slots"), "softhsm2-util --show-slots")) {
            String l = line.strip();
            if (l.startsWith("Label:") && l.substring("Label:".length()).strip().equals(label)) {
                return true;
            }
        }
        return false;
    }

    private void writePin(char[] pin) throws IOException {
        Files.deleteIfExists(pinFile);
        Files.createFile(pinFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        byte[] bytes = new String(pin).getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(pinFile, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private String readPin() {
        char[] pin = PinSource.fromFile(pinFile).read();
        try {
            return new String(pin);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    private ProcessBuilder util(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("softhsm2-util");
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        pb.redirectErrorStream(true);
        return pb;
    }

    /** Runs a process; {@code safeDescription} (never the PIN) is all a failure message shows of the command. */
    private static List<String> run(ProcessBuilder pb, String safeDescription) {
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(safeDescription + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(safeDescription + " exited with " + p.exitValue() + ": " + out.strip());
            }
            return out.lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + safeDescription, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + safeDescription, e);
        }
    }

    private static Set<String> items(String list) {
        Set<String> s = new LinkedHashSet<>();
        for (String item : list.split(",")) {
            if (!item.isBlank()) {
                s.add(item.strip());
            }
        }
        return s;
    }

    private static char[] randomPin() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom r = new SecureRandom();
        char[] pin = new char[20];
        for (int i = 0; i < pin.length; i++) {
            pin[i] = alphabet.charAt(r.nextInt(alphabet.length()));
        }
        return pin;
    }
}
