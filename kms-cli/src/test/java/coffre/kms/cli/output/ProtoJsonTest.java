package coffre.kms.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.GetKeyResponse;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyState;
import coffre.kms.v1.ListKeysResponse;
import coffre.kms.v1.UnwrapResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON contract scripts rely on: proto field names, defaults present, enums by name, bytes in base64. */
class ProtoJsonTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void keyFieldsUseProtoNamesAndDefaultsArePresent() throws Exception {
        Key key = Key.newBuilder().setId("key-a").setState(KeyState.DISABLED)
                .setCreateTime(Timestamp.newBuilder().setSeconds(1_700_000_000L))
                .putLabels("z", "1").putLabels("a", "2").build();

        String text = ProtoJson.print(GetKeyResponse.newBuilder().setKey(key).build());
        JsonNode node = json.readTree(text).get("key");

        assertEquals("key-a", node.get("id").asText());
        assertEquals("", node.get("alias").asText(), "an unset alias is printed as empty, not left out");
        assertEquals("DISABLED", node.get("state").asText());
        assertEquals("PROTECTION_LEVEL_UNSPECIFIED", node.get("protection_level").asText());
        assertEquals(0, node.get("primary_version").asInt());
        assertEquals("2023-11-14T22:13:20Z", node.get("create_time").asText());
        assertEquals(List.of("a", "z"), List.copyOf(iterable(node.get("labels"))), "map keys are sorted");
        assertTrue(node.get("versions").isArray());
    }

    @Test
    void bytesAreStandardBase64() throws Exception {
        UnwrapResponse response = UnwrapResponse.newBuilder()
                .setPlaintext(ByteString.copyFrom(new byte[] {(byte) 0xfb, (byte) 0xff})).build();

        assertEquals("+/8=", json.readTree(ProtoJson.print(response)).get("plaintext").asText());
    }

    @Test
    void anEmptyListStillHasItsFields() throws Exception {
        JsonNode node = json.readTree(ProtoJson.print(ListKeysResponse.getDefaultInstance()));

        assertEquals(0, node.get("keys").size());
        assertEquals("", node.get("next_page_token").asText());
    }

    private static List<String> iterable(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
