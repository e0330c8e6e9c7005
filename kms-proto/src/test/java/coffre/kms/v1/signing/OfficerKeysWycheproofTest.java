package coffre.kms.v1.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.SignatureAlgorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Officer signature verification against Project Wycheproof: every valid vector verifies, every
 * invalid one (malleated, truncated, out-of-range, wrong encoding...) is refused without throwing.
 */
class OfficerKeysWycheproofTest {
    private static final HexFormat HEX = HexFormat.of();

    private static List<Arguments> vectors(String file, SignatureAlgorithm algorithm) throws IOException {
        JsonNode root;
        try (InputStream in = OfficerKeysWycheproofTest.class.getResourceAsStream("/vectors/wycheproof/" + file)) {
            root = new ObjectMapper().readTree(in);
        }
        List<Arguments> out = new ArrayList<>();
        for (JsonNode group : root.get("testGroups")) {
            OfficerPublicKey key = OfficerPublicKey.newBuilder().setAlgorithm(algorithm)
                    .setSpkiDer(ByteString.copyFrom(HEX.parseHex(group.get("publicKeyDer").asText()))).build();
            for (JsonNode test : group.get("tests")) {
                out.add(Arguments.of(test.get("tcId").asInt() + " " + test.get("comment").asText(), key,
                        HEX.parseHex(test.get("msg").asText()), HEX.parseHex(test.get("sig").asText()),
                        test.get("result").asText()));
            }
        }
        return out;
    }

    static Stream<Arguments> ed25519() throws IOException {
        return vectors("ed25519_test.json", SignatureAlgorithm.ED25519).stream();
    }

    static Stream<Arguments> ecdsaP256() throws IOException {
        return vectors("ecdsa_secp256r1_sha256_p1363_test.json", SignatureAlgorithm.ECDSA_P256_SHA256).stream();
    }

    @ParameterizedTest(name = "Ed25519 tc {0}")
    @MethodSource("ed25519")
    void ed25519Vectors(String name, OfficerPublicKey key, byte[] msg, byte[] sig, String result) {
        assertEquals(result.equals("valid"), OfficerKeys.verify(key, msg, sig), name);
    }

    @ParameterizedTest(name = "ECDSA P-256 tc {0}")
    @MethodSource("ecdsaP256")
    void ecdsaVectors(String name, OfficerPublicKey key, byte[] msg, byte[] sig, String result) {
        assertEquals(result.equals("valid"), OfficerKeys.verify(key, msg, sig), name);
    }

    @Test
    void theVectorSetsHoldValidAndInvalidCases() throws IOException {
        for (List<Arguments> set : List.of(vectors("ed25519_test.json", SignatureAlgorithm.ED25519),
                vectors("ecdsa_secp256r1_sha256_p1363_test.json", SignatureAlgorithm.ECDSA_P256_SHA256))) {
            assertTrue(set.stream().anyMatch(a -> a.get()[4].equals("valid")));
            assertTrue(set.stream().anyMatch(a -> a.get()[4].equals("invalid")));
        }
    }
}
