package coffre.kms.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI for mTLS tests, made with the JDK's keytool so the tests need no other tool:
 * a CA, and leaf certificates it signs, each written as a PEM certificate plus an unencrypted
 * PKCS#8 PEM key. Nothing here is shipped; every run makes new keys in a temporary directory.
 */
final class TestPki {

    private static final String PASSWORD = "test-only";

    private final Path dir;
    private final String caAlias;

    private TestPki(Path dir, String caAlias) {
        this.dir = dir;
        this.caAlias = caAlias;
    }

    /** Makes a CA named {@code name} in {@code dir}. */
    static TestPki newCa(Path dir, String name) throws IOException, InterruptedException {
        TestPki pki = new TestPki(dir, name);
        pki.keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + name, "-ext", "bc:c", "-validity", "2", "-keystore", pki.store(name).toString());
        pki.keytool("-exportcert", "-rfc", "-alias", name, "-keystore", pki.store(name).toString(),
                "-file", pki.caCert().toString());
        return pki;
    }

    /** The CA certificate, PEM. */
    Path caCert() {
        return dir.resolve(caAlias + "-ca.pem");
    }

    /**
     * Issues a leaf certificate for {@code name} with subject alternative names {@code san}
     * (keytool syntax, e.g. {@code dns:localhost,ip:127.0.0.1}).
     */
    Leaf issue(String name, String san) throws IOException, InterruptedException, GeneralSecurityException {
        Path store = store(name);
        Path csr = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".pem");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + name, "-validity", "2", "-keystore", store.toString());
        keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-file", csr.toString());
        keytool("-gencert", "-rfc", "-alias", caAlias, "-keystore", store(caAlias).toString(),
                "-infile", csr.toString(), "-outfile", cert.toString(), "-ext", "san=" + san, "-validity", "2");
        Path key = dir.resolve(name + ".key");
        Files.writeString(key, pkcs8Pem(store, name));
        return new Leaf(cert, key);
    }

    private Path store(String alias) {
        return dir.resolve(alias + ".p12");
    }

    private static String pkcs8Pem(Path store, String alias) throws IOException, GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        byte[] der = keyStore.getKey(alias, PASSWORD.toCharArray()).getEncoded();
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END PRIVATE KEY-----\n";
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt"));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + new String(output, StandardCharsets.UTF_8));
        }
    }

    /** A certificate and its key, both PEM files. */
    record Leaf(Path cert, Path key) {
    }
}
