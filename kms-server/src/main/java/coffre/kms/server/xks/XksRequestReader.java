package coffre.kms.server.xks;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the top-level JSON object of an XKS request with Jackson's streaming API: the members the
 * operation knows (strings, Base64 values decoded on the fly, {@code requestMetadata}'s string
 * members), and nothing else. Unknown members, at either level and of any type, are skipped, as
 * the spec requires (KMS may add fields); a known member of the wrong type is refused; JSON
 * {@code null} counts as absent. Every failure is {@link XksError#VALIDATION} with a message that
 * names a member, never a value.
 */
final class XksRequestReader {
    static final String REQUEST_METADATA = "requestMetadata";

    /**
     * What a body held.
     *
     * @param metadata {@code requestMetadata}'s known members, or null if it was absent
     * @param strings  the known string members present
     * @param bytes    the known Base64 members present, decoded; {@link #zero()} clears them
     */
    record Members(Map<String, String> metadata, Map<String, String> strings, Map<String, byte[]> bytes) {
        /** Zeroes every decoded value (on a refusal, so no plaintext lingers). */
        void zero() {
            bytes.values().forEach(value -> Arrays.fill(value, (byte) 0));
        }
    }

    private XksRequestReader() {
    }

    static Members read(byte[] body, Set<String> stringMembers, Set<String> base64Members) {
        if (body == null || body.length == 0) {
            throw invalid("the request body is empty");
        }
        if (body.length > XksRequests.MAX_BODY_BYTES) {
            throw new XksException(XksError.UNSUPPORTED_OPERATION,
                    "the request body is larger than " + XksRequests.MAX_BODY_BYTES + " bytes");
        }
        Members members = new Members(null, new HashMap<>(), new HashMap<>());
        try (JsonParser p = XksJson.FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("the request body is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_NULL) {
                    continue;
                }
                if (REQUEST_METADATA.equals(name)) {
                    members = new Members(readMetadata(p, value), members.strings(), members.bytes());
                } else if (stringMembers.contains(name)) {
                    members.strings().put(name, readString(p, value, name));
                } else if (base64Members.contains(name)) {
                    requireString(value, name);
                    members.bytes().put(name,
                            XksBase64.decode(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), name));
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw invalid("the request body holds more than one JSON value");
            }
            return members;
        } catch (IOException e) {
            members.zero();
            // Jackson's message may quote the body (a plaintext): never pass it on.
            throw new XksException(XksError.VALIDATION, "the request body is not valid JSON");
        } catch (RuntimeException e) {
            members.zero();
            throw e;
        }
    }

    private static Map<String, String> readMetadata(JsonParser p, JsonToken start) throws IOException {
        if (start != JsonToken.START_OBJECT) {
            throw invalid(REQUEST_METADATA + " must be a JSON object");
        }
        Map<String, String> metadata = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (value != JsonToken.VALUE_NULL && XksRequestMetadata.MEMBERS.contains(name)) {
                metadata.put(name, readString(p, value, REQUEST_METADATA + "." + name));
            } else {
                p.skipChildren();
            }
        }
        return metadata;
    }

    private static String readString(JsonParser p, JsonToken value, String name) throws IOException {
        requireString(value, name);
        return p.getText();
    }

    private static void requireString(JsonToken value, String name) {
        if (value != JsonToken.VALUE_STRING) {
            throw invalid(name + " must be a JSON string");
        }
    }

    private static XksException invalid(String message) {
        return new XksException(XksError.VALIDATION, message);
    }
}
