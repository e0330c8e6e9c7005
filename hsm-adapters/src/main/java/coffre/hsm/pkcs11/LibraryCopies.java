package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The byte copies of the PKCS#11 library from which {@link RecoveringHsm} loads fresh modules.
 *
 * <p>Why copies: the JDK's PKCS#11 wrapper keeps one initialised module per library path for the
 * life of the JVM and never calls {@code C_Finalize}/{@code C_Initialize} again, and a module that
 * lost its token may never see it again (measured with SoftHSM 2.6.1: after its token directory
 * is moved away and back, the same module answers {@code CKR_GENERAL_ERROR} forever, and so does
 * a new provider on the same path). A path never loaded before gives a freshly initialised module.
 *
 * <p>Why a copy is reused until it is spent: when {@code C_Initialize} fails (SoftHSM without its
 * token directory), the wrapper caches nothing and the same path can be tried again at no cost —
 * measured: 20 failed loads from one path leave one mapping of the library, from 20 paths twenty
 * (about 0.9 MB each, never returned). A copy whose module did initialise is {@linkplain #spent
 * spent}: it stays loaded for good whether or not the token was then usable, so the next attempt
 * needs a new copy, and at most {@code maxLoaded} are ever loaded.
 *
 * <p>A spent copy's file is deleted at once (the loaded mapping stays valid on Linux and other
 * Unix systems), and the directory is removed on {@link #close()}, so copies never pile up on disk.
 * Thread-safe.
 */
final class LibraryCopies implements AutoCloseable {
    /** Most library copies one {@link RecoveringHsm} loads before it stops re-initialising. */
    static final int MAX_LOADED = 100;

    private final Path library;
    private final Path dir;
    private final int maxLoaded;
    private Path pending;
    private int loaded;
    private int made;

    /**
     * @param library   the configured library (a symbolic link is followed)
     * @param dir       a directory private to this process, created on first use
     * @param maxLoaded most copies to load, at least 1
     */
    LibraryCopies(Path library, Path dir, int maxLoaded) {
        if (maxLoaded < 1) {
            throw new IllegalArgumentException("maxLoaded must be >= 1, got " + maxLoaded);
        }
        this.library = library;
        this.dir = dir;
        this.maxLoaded = maxLoaded;
    }

    /**
     * The copy to load the next module from: the pending one if an earlier load from it did not
     * initialise, else a new one.
     *
     * @throws HsmException {@link HsmErrorKind#UNAVAILABLE} if the copy cannot be written or
     *                      {@code maxLoaded} copies are already loaded
     */
    synchronized Path pending() {
        if (exhausted()) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "re-initialisation stopped after " + loaded
                    + " loaded copies of the PKCS#11 library; restart the node");
        }
        if (pending == null) {
            try {
                Files.createDirectories(dir);
                made++;
                Path copy = dir.resolve(made + "-" + library.getFileName());
                Files.copy(library, copy, StandardCopyOption.REPLACE_EXISTING);
                pending = copy;
            } catch (IOException e) {
                throw new HsmException(HsmErrorKind.UNAVAILABLE, "cannot copy the PKCS#11 library to " + dir
                        + " to re-initialise it", null, e);
            }
        }
        return pending;
    }

    /** The module loaded from the pending copy initialised: it stays loaded; the next attempt needs a new copy. */
    synchronized void spent() {
        if (pending == null) {
            return;
        }
        loaded++;
        deleteQuietly(pending);
        pending = null;
    }

    /** How many copies were loaded for good. */
    synchronized int loaded() {
        return loaded;
    }

    synchronized boolean exhausted() {
        return loaded >= maxLoaded;
    }

    /** Deletes the pending copy and the directory (loaded modules stay mapped). */
    @Override
    public synchronized void close() {
        if (pending != null) {
            deleteQuietly(pending);
            pending = null;
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> left = Files.list(dir)) {
                left.forEach(LibraryCopies::deleteQuietly);
            } catch (IOException e) {
                // Best effort: a temporary directory of this process.
            }
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // Best effort: the file is in this process's private directory.
        }
    }
}
