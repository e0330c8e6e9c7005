package coffre.kms.cli.officerkeys;

import coffre.kms.cli.output.ProtoJson;
import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.signing.OfficerKeys;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The officer public key file ({@code FILE.pub} of {@code coffre officer keygen}): an
 * {@link OfficerPublicKey} in protobuf's JSON mapping, e.g.
 * {@code {"algorithm": "ED25519", "spki_der": "MCowBQYDK2VwAyEA..."}} — the algorithm and the DER
 * SubjectPublicKeyInfo in base64. It is what an officer hands over for the ceremony or for
 * {@code officers add}; its fingerprint is checked out of band.
 */
public final class PublicKeyFile {

    /** The suffix keygen adds to the private key file's name. */
    public static final String SUFFIX = ".pub";

    private static final int MAX_BYTES = 64 * 1024;

    private PublicKeyFile() {
    }

    /** The file's content for {@code key}. */
    public static String render(OfficerPublicKey key) {
        return ProtoJson.print(key) + "\n";
    }

    /**
     * Reads and checks a public key file.
     *
     * @throws KeyFileException if it is not such a file, or the key is not a usable Ed25519 or P-256 key
     * @throws IOException if it cannot be read
     */
    public static OfficerPublicKey read(Path file) throws IOException, KeyFileException {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new KeyFileException("larger than " + MAX_BYTES + " bytes: not a public key file");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read public key file " + file + ": no such file", e);
        }
        OfficerPublicKey.Builder key = OfficerPublicKey.newBuilder();
        try {
            JsonFormat.parser().merge(new String(bytes, StandardCharsets.UTF_8), key);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new KeyFileException("not a JSON OfficerPublicKey as written by 'coffre officer keygen' ("
                    + e.getMessage() + ")", e);
        }
        try {
            OfficerKeys.publicKey(key.build());
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(e.getMessage(), e);
        }
        return key.build();
    }
}
