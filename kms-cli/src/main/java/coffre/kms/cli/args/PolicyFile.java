package coffre.kms.cli.args;

import coffre.kms.v1.AccessPolicy;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code --policy-file FILE}: an {@link AccessPolicy} in protobuf's JSON mapping, e.g.
 * <pre>{@code
 * {"rules": [{"principals": ["spiffe://prod/ns/orders/*"], "operations": ["WRAP", "UNWRAP"]}],
 *  "required_context": [{"key": "tenant"}]}
 * }</pre>
 * Unknown fields and enum names are refused, so a typo cannot silently drop a restriction.
 */
public final class PolicyFile {

    private static final int MAX_BYTES = 1024 * 1024;

    private PolicyFile() {
    }

    /**
     * Reads and parses {@code file}.
     *
     * @throws ParameterException if it is not a JSON AccessPolicy (exit 2)
     * @throws IOException if it cannot be read (exit 1)
     */
    public static AccessPolicy read(CommandLine commandLine, String option, Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + option + " " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("cannot read " + option + " " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new ParameterException(commandLine, option + " " + file + " is larger than " + MAX_BYTES + " bytes");
        }
        AccessPolicy.Builder policy = AccessPolicy.newBuilder();
        try {
            JsonFormat.parser().merge(new String(bytes, StandardCharsets.UTF_8), policy);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new ParameterException(commandLine, "Invalid value for option '" + option + "': " + file
                    + " is not a JSON AccessPolicy: " + e.getMessage(), e);
        }
        return policy.build();
    }
}
