package coffre.hsm.pkcs11;

import coffre.hsm.Hsm;

import java.nio.file.Path;
import java.security.ProviderException;

/**
 * Opens generation {@code n} of a PKCS#11 module for {@link RecoveringHsm}: 0 at start, then 1, 2,
 * ... for each re-initialisation.
 *
 * <p>Why an interface: the recovery logic is the same whatever opens the modules, and its unit test
 * opens software modules that fail on command ({@code FakeModule}); servers use
 * {@link #overLibraryCopies}.
 */
interface ModuleOpener extends AutoCloseable {
    Hsm open(long generation);

    /** How many library copies were loaded for good so far (each keeps memory). */
    default int loadedCopies() {
        return 0;
    }

    /** Whether no further module may be loaded (the node must be restarted). */
    default boolean exhausted() {
        return false;
    }

    @Override
    default void close() {
    }

    /**
     * Opens generation {@code n} of {@code config}'s module: over the configured library for n = 0
     * (unless {@code copyFirst}), else over a copy from {@link LibraryCopies} in {@code dir}, as a
     * module that lost its token may never see it again while a library path never loaded before
     * gives a freshly initialised one.
     */
    static ModuleOpener overLibraryCopies(Pkcs11HsmConfig config, Path dir, boolean copyFirst) {
        LibraryCopies copies = new LibraryCopies(config.resolvedLibrary(), dir, LibraryCopies.MAX_LOADED);
        return new ModuleOpener() {
            @Override
            public Hsm open(long generation) {
                if (generation == 0 && !copyFirst) {
                    return Pkcs11Hsm.open(config);
                }
                Path copy = copies.pending();
                try {
                    // C_Initialize alone first: if it fails, nothing stays loaded and the copy is reused.
                    Pkcs11Native.connect(copy);
                } catch (ProviderException e) {
                    throw CkrErrorMapper.map(e, "initialise the PKCS#11 module");
                }
                try {
                    return Pkcs11Hsm.open(config.withLibrary(copy));
                } finally {
                    copies.spent();
                }
            }

            @Override
            public int loadedCopies() {
                return copies.loaded();
            }

            @Override
            public boolean exhausted() {
                return copies.exhausted();
            }

            @Override
            public void close() {
                copies.close();
            }
        };
    }
}
