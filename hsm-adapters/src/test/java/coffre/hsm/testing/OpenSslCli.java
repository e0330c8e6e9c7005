package coffre.hsm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code openssl} command line, for tests that check Coffre's public keys, signatures and
 * ciphertexts with a second, independent implementation (OpenSSL 3), as a client would on the
 * command line: {@code openssl dgst -verify}, {@code openssl pkeyutl -encrypt}.
 */
public final class OpenSslCli {
    /** What a run printed and how it ended. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private final Path dir;

    /** Files go to {@code dir} (a test's temporary directory). */
    public OpenSslCli(Path dir) {
        this.dir = dir;
    }

    /** Writes {@code spkiDer} as a PEM {@code PUBLIC KEY} file and returns its path. */
    public Path publicKeyPem(String name, byte[] spkiDer) {
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(spkiDer)
                + "\n-----END PUBLIC KEY-----\n";
        return write(name + ".pem", pem.getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes {@code content} to {@code name} in the directory and returns its path. */
    public Path write(String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code openssl args...} in the directory (60 s at most). */
    public Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("openssl " + String.join(" ", args) + " timed out");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run openssl (apt-get install openssl)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
