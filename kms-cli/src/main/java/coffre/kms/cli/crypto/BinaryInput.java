package coffre.kms.cli.crypto;

import coffre.kms.cli.args.Base64Bytes;
import java.io.IOException;
import java.io.InputStream;

/**
 * The two ways of giving a binary input: inline base64 or a file ({@code -} for stdin). The
 * commands declare the options themselves (their names differ), in an exclusive picocli group.
 */
final class BinaryInput {

    private BinaryInput() {
    }

    /**
     * The bytes given, inline or from the file.
     *
     * @param inline decoded inline value, or null
     * @param file the {@code --in} value, or null
     */
    static byte[] read(Base64Bytes inline, String file, InputStream stdin) throws IOException {
        if (inline != null) {
            return inline.take();
        }
        return LocalFiles.read("--in", file, stdin);
    }
}
