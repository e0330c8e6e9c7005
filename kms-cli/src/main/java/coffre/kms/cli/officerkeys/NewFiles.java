package coffre.kms.cli.officerkeys;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Creates the files of officer keys and ceremonies. They are never overwritten: replacing an
 * officer key, or a ceremony document whose signatures are being collected, loses work that cannot
 * be redone silently.
 */
public final class NewFiles {

    private NewFiles() {
    }

    /** Creates {@code path} with mode 0600 (where POSIX permissions exist) and writes {@code bytes}. */
    public static void createPrivate(String what, Path path, byte[] bytes) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        create(what, path, bytes, attributes);
    }

    /** Creates {@code path} with the default mode and writes {@code bytes}. */
    public static void createPublic(String what, Path path, byte[] bytes) throws IOException {
        create(what, path, bytes, new FileAttribute<?>[0]);
    }

    /** Fails if {@code path} exists, before any secret is asked for or generated. */
    public static void requireAbsent(String what, Path path) throws IOException {
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot write " + what + " " + path + ": it already exists; coffre never overwrites it");
        }
    }

    private static void create(String what, Path path, byte[] bytes, FileAttribute<?>[] attributes) throws IOException {
        try (var channel = Files.newByteChannel(path,
                java.util.Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW), attributes)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot write " + what + " " + path + ": it already exists; coffre never overwrites it", e);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot write " + what + " " + path + ": no such directory", e);
        } catch (IOException e) {
            throw new IOException("cannot write " + what + " " + path + ": " + e.getMessage(), e);
        }
    }
}
