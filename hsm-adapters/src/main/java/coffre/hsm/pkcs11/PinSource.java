package coffre.hsm.pkcs11;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where the token user PIN comes from: an environment variable or a file.
 *
 * <p>Why not a string: a PIN must never be a literal in code or configuration, never be logged and
 * never sit in an immutable {@code String} that cannot be wiped. A {@code PinSource} only names
 * where the PIN is; {@link #read()} fetches it when the token is logged in and returns a fresh
 * {@code char[]} that the caller zeroes. {@link #toString()} names the source, never the PIN.
 */
public sealed interface PinSource {

    /**
     * Reads the PIN now.
     *
     * @return a new array the caller must zero after use
     * @throws IllegalStateException naming the source (not the PIN) if it is unset, unreadable or empty
     */
    char[] read();

    /** The PIN is the value of environment variable {@code name}. */
    static PinSource fromEnv(String name) {
        return new Env(name, System::getenv);
    }

    /** The PIN is the content of {@code file} (UTF-8), without one trailing newline ({@code \n} or {@code \r\n}). */
    static PinSource fromFile(Path file) {
        return new File(file);
    }

    /** A PIN held in an environment variable. */
    record Env(String name, Function<String, String> environment) implements PinSource {
        public Env {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("hsm.pin.env must name an environment variable");
            }
            Objects.requireNonNull(environment, "environment");
        }

        /** For tests: reads variables from {@code env} instead of the process environment. */
        public static Env of(String name, Map<String, String> env) {
            return new Env(name, env::get);
        }

        @Override
        public char[] read() {
            String value = environment.apply(name);
            if (value == null || value.isEmpty()) {
                throw new IllegalStateException("HSM PIN environment variable " + name + " is not set or empty");
            }
            return value.toCharArray();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Env other && name.equals(other.name);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }

        @Override
        public String toString() {
            return "PinSource[env " + name + "]";
        }
    }

    /** A PIN held in a file, typically mode 600 or a mounted secret. */
    record File(Path path) implements PinSource {
        public File {
            Objects.requireNonNull(path, "hsm.pin.file must be a path");
        }

        @Override
        public char[] read() {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(path);
            } catch (IOException e) {
                // The IOException names the file only; it cannot hold the PIN since nothing was read.
                throw new IllegalStateException("cannot read HSM PIN file " + path + ": " + e.getClass().getSimpleName());
            }
            try {
                int end = bytes.length;
                if (end > 0 && bytes[end - 1] == '\n') {
                    end--;
                    if (end > 0 && bytes[end - 1] == '\r') {
                        end--;
                    }
                }
                if (end == 0) {
                    throw new IllegalStateException("HSM PIN file " + path + " is empty");
                }
                CharBuffer chars;
                try {
                    chars = StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes, 0, end));
                } catch (CharacterCodingException e) {
                    throw new IllegalStateException("HSM PIN file " + path + " is not valid UTF-8");
                }
                char[] pin = new char[chars.remaining()];
                chars.get(pin);
                Arrays.fill(chars.array(), '\0');
                return pin;
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }

        @Override
        public String toString() {
            return "PinSource[file " + path + "]";
        }
    }
}
