package coffre.kms.cli.crypto;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.output.LabelledBlock;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageOrBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Consumer;

/**
 * Base of the data-plane commands: the way a binary result (envelope, plaintext, signature) is
 * delivered — base64 on the terminal, raw bytes into {@code --out}, alone with {@code -o raw} —
 * and the key and version lines every result has. {@link CryptoCommand} adds the encryption
 * context of the envelope commands; the asymmetric ones have none.
 */
abstract class BinaryResultCommand extends RpcCommand {

    BinaryResultCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        readInputs();
    }

    /** Reads the command's local inputs before any connection. The default reads nothing. */
    void readInputs() throws IOException {
    }

    /** Wide enough for the longest label, "Plaintext:", and one space. */
    static final int LABEL_WIDTH = 11;

    /**
     * Delivers a binary result.
     *
     * <ul>
     *   <li>table (default): {@code label} with the bytes in base64, or where they were written
     *       with {@code --out}, then {@code details} (key, version, ...), as labelled lines;</li>
     *   <li>json: {@code response}, or {@code withoutBytes} with {@code --out}, so a plaintext
     *       sent to a file never also reaches the terminal;</li>
     *   <li>raw: the bytes in base64 on one line, for pipes; nothing with {@code --out}.</li>
     * </ul>
     */
    final void deliver(Path outFile, String label, ByteString bytes, MessageOrBuilder response,
            MessageOrBuilder withoutBytes, Consumer<LabelledBlock> details) throws IOException {
        if (outFile != null) {
            byte[] raw = bytes.toByteArray();
            try {
                LocalFiles.write("--out", outFile, raw);
            } finally {
                Arrays.fill(raw, (byte) 0);
            }
        }
        switch (format()) {
            case JSON -> printJson(outFile != null ? withoutBytes : response);
            case RAW -> {
                if (outFile == null) {
                    printText(base64(bytes) + "\n");
                }
            }
            case TABLE -> {
                LabelledBlock block = new LabelledBlock(LABEL_WIDTH).field(label, outFile != null
                        ? "written to " + outFile + " (" + bytes.size() + " bytes)"
                        : base64(bytes));
                details.accept(block);
                printText(block.render());
            }
        }
    }

    @Override
    protected final boolean printsRaw() {
        return rawValue();
    }

    /** Whether this command has one binary result for {@code -o raw}; datakey has two. */
    boolean rawValue() {
        return true;
    }

    /** Adds the key and version lines every data-plane result has. */
    static Consumer<LabelledBlock> keyAndVersion(String keyId, int version) {
        return block -> block.field("Key", keyId).field("Version", Integer.toUnsignedString(version));
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
