package coffre.kms.cli.crypto;

import coffre.kms.cli.args.Base64Bytes;
import java.io.IOException;
import java.io.InputStream;
import picocli.CommandLine.Option;

/**
 * What {@code sign} signs and {@code verify} checks: a message (at most 4096 bytes, hashed by the
 * server) or its digest, inline in base64 or from a file (an exclusive picocli group).
 */
public final class SigningInputSource {

    @Option(names = "--message-b64", paramLabel = "B64", required = true, converter = Base64Bytes.Converter.class,
            description = "The message, standard base64 (at most 4096 bytes; sign a digest for more).")
    Base64Bytes message;

    @Option(names = "--in", paramLabel = "FILE", required = true,
            description = "File holding the raw message bytes ('-' for standard input).")
    String messageFile;

    @Option(names = "--digest-b64", paramLabel = "B64", required = true, converter = Base64Bytes.Converter.class,
            description = "A digest taken with the algorithm's hash, standard base64 (32 bytes for SHA-256, "
                    + "48 for SHA-384), e.g. of 'openssl dgst -sha256 -binary FILE | base64'.")
    Base64Bytes digest;

    @Option(names = "--digest-in", paramLabel = "FILE", required = true,
            description = "File holding the raw digest bytes ('-' for standard input).")
    String digestFile;

    /** The bytes given, and whether they are a digest. */
    record Input(boolean isDigest, byte[] bytes) {
    }

    Input read(InputStream stdin) throws IOException {
        if (message != null || messageFile != null) {
            return new Input(false, BinaryInput.read(message, messageFile, stdin));
        }
        return new Input(true, digest != null ? digest.take() : LocalFiles.read("--digest-in", digestFile, stdin));
    }
}
