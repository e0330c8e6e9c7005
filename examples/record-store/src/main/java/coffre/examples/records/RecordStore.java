package coffre.examples.records;

import coffre.kms.client.envelope.CoffreEnvelope;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Records kept on disk, each encrypted with {@link CoffreEnvelope} under one Coffre key: what a
 * service needs to adopt Coffre, in a page. The encryption context names the service (what Coffre's
 * policy and audit log see, and one cached data key for all records); the record's id is bound as
 * associated data, so a file copied over another record's name does not decrypt as that record.
 */
public final class RecordStore {

    /** Record ids: they become file names, so nothing that could leave the directory. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Map<String, String> CONTEXT = Map.of("service", "record-store");

    private final CoffreEnvelope envelope;
    private final String keyId;
    private final Path directory;

    /**
     * @param envelope seals and opens records (with or without a data-key cache)
     * @param keyId the Coffre key that wraps the records' data keys
     * @param directory where the sealed records are kept
     */
    public RecordStore(CoffreEnvelope envelope, String keyId, Path directory) throws IOException {
        this.envelope = Objects.requireNonNull(envelope, "envelope");
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.directory = Files.createDirectories(directory);
    }

    /** Whether {@code id} is an acceptable record id: 1-64 characters of {@code [A-Za-z0-9_-]}. */
    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Seals {@code length} bytes of {@code plaintext} as record {@code id}, replacing any earlier one. */
    public void put(String id, InputStream plaintext, long length) throws IOException {
        Path file = file(id);
        Path partial = Files.createTempFile(directory, id, ".partial");
        try (OutputStream out = Files.newOutputStream(partial)) {
            envelope.encrypt(keyId, CONTEXT, associatedData(id), plaintext, out, length);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Opens record {@code id} into {@code out}.
     *
     * @return false if there is no such record
     * @throws coffre.kms.client.envelope.EnvelopeException if the stored record was tampered with
     */
    public boolean get(String id, OutputStream out) throws IOException {
        try (InputStream in = Files.newInputStream(file(id))) {
            envelope.decrypt(CONTEXT, associatedData(id), in, out);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Where record {@code id} is kept. */
    Path file(String id) {
        if (!validId(id)) {
            throw new IllegalArgumentException("record ids are 1-64 characters of [A-Za-z0-9_-]");
        }
        return directory.resolve(id + ".cfen");
    }

    private static byte[] associatedData(String id) {
        return ("record:" + id).getBytes(StandardCharsets.UTF_8);
    }
}
