package coffre.kms.cli.crypto;

import coffre.kms.cli.args.KeyValue;
import coffre.kms.cli.args.KeyValues;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The repeatable {@code --context k=v} option of the crypto commands (a picocli mixin). */
public final class EncryptionContextOptions {

    @Option(names = "--context", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class, order = 20,
            description = "Encryption context entry, bound to the envelope; repeat for more. "
                    + "The same entries must be given to unwrap. Not secret: it is logged.")
    List<KeyValue> pairs;

    /** The context as a map; a key given twice is a usage error. */
    public Map<String, String> toMap(CommandLine commandLine) {
        return KeyValues.toMap(commandLine, "--context", pairs);
    }
}
