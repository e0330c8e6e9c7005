package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.output.OutputFormat;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageOrBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import picocli.CommandLine.Mixin;

/**
 * Base of the data-plane commands: they share the encryption context option and the way a
 * binary result (envelope or plaintext) is delivered.
 */
abstract class CryptoCommand extends RpcCommand {

    @Mixin
    private EncryptionContextOptions contextOptions;

    private Map<String, String> context;

    CryptoCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected final void prepare() throws IOException {
        context = contextOptions.toMap(commandLine());
        readInputs();
    }

    /** Reads the command's local inputs before any connection. The default reads nothing. */
    void readInputs() throws IOException {
    }

    /** The {@code --context} entries. */
    final Map<String, String> context() {
        return context;
    }

    /**
     * Delivers a binary result. With {@code outFile}: the raw bytes go to the file, and stdout gets
     * {@code withoutBytes} as JSON in JSON mode (so a plaintext sent to a file never also reaches
     * the terminal) and nothing otherwise. Without: stdout gets the bytes in base64 on one line, or
     * {@code response} as JSON.
     */
    final void deliver(Path outFile, ByteString bytes, MessageOrBuilder response, MessageOrBuilder withoutBytes)
            throws IOException {
        boolean json = format() == OutputFormat.JSON;
        if (outFile != null) {
            byte[] raw = bytes.toByteArray();
            try {
                LocalFiles.write("--out", outFile, raw);
            } finally {
                Arrays.fill(raw, (byte) 0);
            }
            if (json) {
                printJson(withoutBytes);
            }
        } else if (json) {
            printJson(response);
        } else {
            printText(base64(bytes) + "\n");
        }
    }

    /** Standard base64 of {@code bytes}; the intermediate copy is wiped. */
    static String base64(ByteString bytes) {
        byte[] raw = bytes.toByteArray();
        try {
            return Base64.getEncoder().encodeToString(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** {@code bytes} as a ByteString; {@code bytes} is wiped, so the only copy left is the one sent. */
    static ByteString consume(byte[] bytes) {
        try {
            return ByteString.copyFrom(bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
