package coffre.kms.server.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.keys.KeySpec;
import coffre.kms.server.keys.PublicKeyInfo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code Verify}'s verifier against Project Wycheproof: each vector's public key goes through
 * {@link PublicKeyInfo} as a stored version's would, its message is digested as {@link SigningInput}
 * does, and {@link SignatureVerifier} must accept exactly the valid signatures (and refuse the
 * malleated, truncated, out-of-range, BER-encoded... ones without throwing).
 */
class SignatureVerifierWycheproofTest {
    private static final HexFormat HEX = HexFormat.of();

    record Vector(String name, PublicKeyInfo key, SigningAlgorithm algorithm, byte[] message, byte[] signature,
                  boolean valid) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static List<Vector> vectors(String file, KeySpec spec, SigningAlgorithm algorithm) throws IOException {
        JsonObject root;
        try (InputStream in = SignatureVerifierWycheproofTest.class.getResourceAsStream("/vectors/wycheproof/" + file)) {
            root = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<Vector> out = new ArrayList<>();
        for (Object g : root.getJsonArray("testGroups")) {
            JsonObject group = (JsonObject) g;
            if (group.containsKey("sLen") && group.getInteger("sLen") != 32
                    || group.containsKey("keySize") && group.getInteger("keySize") != spec.bits()) {
                continue;
            }
            PublicKeyInfo key = PublicKeyInfo.of(HEX.parseHex(group.getString("publicKeyDer")), spec);
            JsonArray tests = group.getJsonArray("tests");
            for (Object t : tests) {
                JsonObject test = (JsonObject) t;
                String result = test.getString("result");
                if (result.equals("acceptable")) {
                    continue;
                }
                out.add(new Vector(file + " tc " + test.getInteger("tcId") + " " + test.getString("comment"), key,
                        algorithm, HEX.parseHex(test.getString("msg")), HEX.parseHex(test.getString("sig")),
                        result.equals("valid")));
            }
        }
        return out;
    }

    static Stream<Vector> all() throws IOException {
        return Stream.of(
                vectors("rsa_pss_2048_sha256_mgf1_32_test.json", KeySpec.RSA_2048, SigningAlgorithm.RSASSA_PSS_SHA_256),
                vectors("rsa_pss_3072_sha256_mgf1_32_test.json", KeySpec.RSA_3072, SigningAlgorithm.RSASSA_PSS_SHA_256),
                vectors("ecdsa_secp256r1_sha256_test.json", KeySpec.EC_P256, SigningAlgorithm.ECDSA_SHA_256),
                vectors("ecdsa_secp384r1_sha384_test.json", KeySpec.EC_P384, SigningAlgorithm.ECDSA_SHA_384))
                .flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void verifiesExactlyTheValidSignatures(Vector vector) throws Exception {
        byte[] digest = new SigningInput.Message(vector.message()).digest(vector.algorithm());
        assertEquals(MessageDigest.getInstance(vector.algorithm().digestAlgorithm()).digest(vector.message()).length,
                digest.length);
        assertEquals(vector.valid(), SignatureVerifier.verify(vector.algorithm(), vector.key().jca(), digest,
                vector.signature()), vector.name());
    }

    @Test
    void everySetRunsValidAndInvalidVectors() throws IOException {
        List<Vector> all = all().toList();
        for (SigningAlgorithm algorithm : SigningAlgorithm.values()) {
            List<Vector> ofAlgorithm = all.stream().filter(v -> v.algorithm() == algorithm).toList();
            assertTrue(ofAlgorithm.stream().anyMatch(Vector::valid), algorithm + " has valid vectors");
            assertTrue(ofAlgorithm.stream().anyMatch(v -> !v.valid()), algorithm + " has invalid vectors");
        }
        // 2048 + 3072 PSS (108 + 108-ish), P-256 484, P-384 504: at least this many run.
        assertTrue(all.size() > 1000, "vectors run: " + all.size());
    }
}
