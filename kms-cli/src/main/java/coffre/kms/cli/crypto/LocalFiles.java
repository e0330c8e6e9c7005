package coffre.kms.cli.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Reads {@code --in} and writes {@code --out} for the crypto commands.
 *
 * <p>Reads are bounded: the API wraps at most a few kilobytes, so a multi-gigabyte file given by
 * mistake fails at once instead of filling the heap. Files are created readable by their owner
 * only, because {@code --out} of unwrap holds a plaintext secret.
 */
final class LocalFiles {

    /** Largest input read; far above the API's own limits (4096-byte plaintexts, envelopes a little larger). */
    static final int MAX_INPUT_BYTES = 64 * 1024;

    /** The value of an input option meaning standard input. */
    static final String STDIN = "-";

    private LocalFiles() {
    }

    /**
     * The bytes of {@code name}, or of {@code stdin} when {@code name} is {@value #STDIN}.
     *
     * @param option the option, named in error messages
     * @throws IOException with a message naming the option and the file
     */
    static byte[] read(String option, String name, InputStream stdin) throws IOException {
        if (STDIN.equals(name)) {
            return bounded(option, "standard input", stdin);
        }
        Path path = Path.of(name);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes(MAX_INPUT_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + option + " " + path + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("cannot read " + option + " " + path + ": " + e.getMessage(), e);
        }
        return checkSize(option, path.toString(), bytes);
    }

    private static byte[] bounded(String option, String what, InputStream in) throws IOException {
        return checkSize(option, what, in.readNBytes(MAX_INPUT_BYTES + 1));
    }

    private static byte[] checkSize(String option, String what, byte[] bytes) throws IOException {
        if (bytes.length > MAX_INPUT_BYTES) {
            Arrays.fill(bytes, (byte) 0);
            throw new IOException(option + " " + what + " holds more than " + MAX_INPUT_BYTES
                    + " bytes; Coffre wraps keys and small secrets, not bulk data");
        }
        return bytes;
    }

    /**
     * Writes {@code bytes} to {@code path}, replacing its contents; a new file gets mode 0600 where
     * the file system has POSIX permissions.
     *
     * @throws IOException with a message naming the option and the file
     */
    static void write(String option, Path path, byte[] bytes) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try (OutputStream out = Channels.newOutputStream(posix
                ? Files.newByteChannel(path, options, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.newByteChannel(path, options))) {
            out.write(bytes);
        } catch (IOException e) {
            throw new IOException("cannot write " + option + " " + path + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such directory" : String.valueOf(e.getMessage());
    }
}
