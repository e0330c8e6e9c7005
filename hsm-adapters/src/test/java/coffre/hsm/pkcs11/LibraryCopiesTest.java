package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When a library copy is reused, when a new one is made, and that none is left on disk. */
class LibraryCopiesTest {
    @TempDir
    Path tmp;

    private Path library() throws IOException {
        Path lib = tmp.resolve("libvendor.so");
        Files.write(lib, new byte[] {1, 2, 3});
        return lib;
    }

    @Test
    void aCopyIsReusedUntilItsModuleInitialises() throws IOException {
        Path dir = tmp.resolve("copies");
        try (LibraryCopies copies = new LibraryCopies(library(), dir, 5)) {
            Path first = copies.pending();
            assertTrue(first.startsWith(dir));
            assertTrue(first.getFileName().toString().endsWith("libvendor.so"));
            assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(first));
            assertEquals(first, copies.pending(), "a load that did not initialise costs nothing: same path again");
            assertEquals(0, copies.loaded());
            copies.spent();
            assertEquals(1, copies.loaded());
            assertFalse(Files.exists(first), "a loaded copy's file is deleted at once");
            Path second = copies.pending();
            assertNotEquals(first, second, "a path that was loaded is never loaded again");
        }
        assertFalse(Files.exists(dir), "close removes the directory");
    }

    @Test
    void atMostMaxLoadedCopiesAreLoaded() throws IOException {
        try (LibraryCopies copies = new LibraryCopies(library(), tmp.resolve("copies"), 2)) {
            copies.pending();
            copies.spent();
            copies.pending();
            copies.spent();
            assertTrue(copies.exhausted());
            HsmException e = assertThrows(HsmException.class, copies::pending);
            assertEquals(HsmErrorKind.UNAVAILABLE, e.kind());
            assertEquals("re-initialisation stopped after 2 loaded copies of the PKCS#11 library; restart the node", e.getMessage());
        }
    }

    @Test
    void spentWithoutAPendingCopyChangesNothing() throws IOException {
        try (LibraryCopies copies = new LibraryCopies(library(), tmp.resolve("copies"), 2)) {
            copies.spent();
            assertEquals(0, copies.loaded());
        }
    }

    @Test
    void anUnreadableLibraryIsUnavailableNotACrash() {
        try (LibraryCopies copies = new LibraryCopies(tmp.resolve("missing.so"), tmp.resolve("copies"), 2)) {
            HsmException e = assertThrows(HsmException.class, copies::pending);
            assertEquals(HsmErrorKind.UNAVAILABLE, e.kind());
        }
    }

    @Test
    void maxLoadedMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LibraryCopies(tmp.resolve("x.so"), tmp, 0));
        assertEquals("maxLoaded must be >= 1, got 0", e.getMessage());
    }
}
