package coffre.kms.cli.args;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Collects repeated {@code k=v} options into a map. */
public final class KeyValues {

    private KeyValues() {
    }

    /**
     * The pairs as a map in the order given.
     *
     * @param option the option name, for the error message
     * @throws ParameterException if a key is given twice: silently keeping one value would wrap under
     *     a context the user did not mean, and the envelope would then not unwrap with the other
     */
    public static Map<String, String> toMap(CommandLine commandLine, String option, List<KeyValue> pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        if (pairs == null) {
            return map;
        }
        for (KeyValue pair : pairs) {
            if (map.putIfAbsent(pair.key(), pair.value()) != null) {
                throw new ParameterException(commandLine,
                        "Invalid value for option '" + option + "': key '" + pair.key() + "' is given more than once");
            }
        }
        return map;
    }
}
