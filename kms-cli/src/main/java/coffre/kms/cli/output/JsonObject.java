package coffre.kms.cli.output;

import com.google.protobuf.MessageOrBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON object assembled from API messages and a few plain values, for the {@code -o json} output
 * of commands whose result is more than one API message (a request with the operation the CLI
 * decoded from it, a key file's public key and fingerprint). Messages keep protobuf's JSON mapping
 * (see {@link ProtoJson}); members print in the order added.
 */
public final class JsonObject {

    private final List<String> members = new ArrayList<>();

    /** Adds {@code name: message}. */
    public JsonObject message(String name, MessageOrBuilder message) {
        return raw(name, ProtoJson.print(message));
    }

    /** Adds {@code name: "text"}. */
    public JsonObject string(String name, String text) {
        return raw(name, ProtoJson.string(text));
    }

    /** Adds {@code name: true|false}. */
    public JsonObject bool(String name, boolean value) {
        return raw(name, Boolean.toString(value));
    }

    private JsonObject raw(String name, String json) {
        members.add("  " + ProtoJson.string(name) + ": " + json.replace("\n", "\n  "));
        return this;
    }

    /** The object, pretty-printed, without a trailing newline. */
    public String render() {
        return members.isEmpty() ? "{\n}" : "{\n" + String.join(",\n", members) + "\n}";
    }
}
