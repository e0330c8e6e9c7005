package coffre.hsm.pkcs11;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PinSourceTest {
    private static final String SECRET = "pin-9f3a-value";

    @TempDir
    Path dir;

    private Path file(String content) throws IOException {
        Path f = dir.resolve("pin");
        Files.write(f, content.getBytes(StandardCharsets.UTF_8));
        return f;
    }

    @Test
    void envPinIsRead() {
        assertArrayEquals(SECRET.toCharArray(), PinSource.Env.of("HSM_PIN", Map.of("HSM_PIN", SECRET)).read());
    }

    @Test
    void unsetEnvNamesTheVariableOnly() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PinSource.Env.of("HSM_PIN", Map.of()).read());
        assertEquals("HSM PIN environment variable HSM_PIN is not set or empty", e.getMessage());
    }

    @Test
    void blankEnvNameIsRefused() {
        assertEquals("hsm.pin.env must name an environment variable",
                assertThrows(IllegalArgumentException.class, () -> PinSource.fromEnv(" ")).getMessage());
    }

    @Test
    void fileLosesExactlyOneTrailingNewline() throws IOException {
        assertArrayEquals(SECRET.toCharArray(), PinSource.fromFile(file(SECRET + "\n")).read());
        assertArrayEquals(SECRET.toCharArray(), PinSource.fromFile(file(SECRET + "\r\n")).read());
        assertArrayEquals(SECRET.toCharArray(), PinSource.fromFile(file(SECRET)).read());
        assertArrayEquals((SECRET + "\n").toCharArray(), PinSource.fromFile(file(SECRET + "\n\n")).read());
    }

    @Test
    void emptyFileIsRefused() throws IOException {
        Path f = file("\n");
        assertEquals("HSM PIN file " + f + " is empty",
                assertThrows(IllegalStateException.class, () -> PinSource.fromFile(f).read()).getMessage());
    }

    @Test
    void missingFileNamesThePath() {
        Path f = dir.resolve("absent");
        assertEquals("cannot read HSM PIN file " + f + ": NoSuchFileException",
                assertThrows(IllegalStateException.class, () -> PinSource.fromFile(f).read()).getMessage());
    }

    @Test
    void toStringNamesTheSourceNeverThePin() throws IOException {
        Path f = file(SECRET);
        PinSource fromFile = PinSource.fromFile(f);
        PinSource fromEnv = PinSource.Env.of("HSM_PIN", Map.of("HSM_PIN", SECRET));
        assertEquals("PinSource[file " + f + "]", fromFile.toString());
        assertEquals("PinSource[env HSM_PIN]", fromEnv.toString());
        fromFile.read();
        fromEnv.read();
        assertFalse(fromFile.toString().contains(SECRET));
        assertFalse(fromEnv.toString().contains(SECRET));
    }
}
