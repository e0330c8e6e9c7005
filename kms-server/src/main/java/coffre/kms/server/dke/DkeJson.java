package coffre.kms.server.dke;

import coffre.kms.server.domain.SecretBytes;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;

/**
 * The JSON of the DKE key-service protocol, as Microsoft's reference key service
 * (Azure-Samples/DoubleKeyEncryptionService) writes and reads it, which is what Office clients
 * parse:
 * <ul>
 *   <li>the public key: {@code {"key":{"kty":"RSA","n":"<standard Base64 of the unsigned
 *       modulus>","e":65537,"alg":"RS256","kid":"<service URL>/<key name>/<version>"},
 *       "cache":{"exp":"yyyy-MM-ddTHH:mm:ss"}}} — {@code e} is a JSON number, {@code n} standard
 *       (not URL-safe) Base64 with padding, {@code alg} the value the reference service and its
 *       test script use ({@code RS256}; the client encrypts with RSA-OAEP-256 regardless),
 *       {@code cache.exp} UTC without zone designator; {@code cache} is left out when clients
 *       must not cache the key;</li>
 *   <li>decrypt: {@code {"alg":"RSA-OAEP-256","value":"<Base64>"}} → {@code {"value":"<Base64>"}};</li>
 *   <li>errors (Coffre's own): {@code {"error":"<code>","message":"<text>"}}, and
 *       {@code "approvalRequestId"} for a break-glass refusal.</li>
 * </ul>
 * Reading is strict (duplicate members refused, nothing after the object, parse errors without
 * source text); unknown members are ignored, as the reference service's JSON binding does.
 */
final class DkeJson {
    /** The largest body read: a decrypt request of an RSA-4096 ciphertext is under 800 bytes. */
    static final int MAX_BODY_BYTES = 8 * 1024;
    /** The longest {@code value} accepted: the Base64 of a 512-byte (RSA-4096) ciphertext, with room. */
    static final int MAX_VALUE_CHARS = 1024;
    /** The only decrypt algorithm of the protocol: RSA-OAEP with SHA-256 and MGF1-SHA-256. */
    static final String DECRYPT_ALGORITHM = "RSA-OAEP-256";
    /** The {@code alg} of a public key, as the reference service hands it out. */
    static final String PUBLIC_KEY_ALGORITHM = "RS256";
    private static final DateTimeFormatter CACHE_EXP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(4)
                    .maxStringLength(MAX_BODY_BYTES).build())
            .build();

    private DkeJson() {
    }

    /** A decrypt request: its algorithm and the ciphertext, decoded. */
    record DecryptRequest(String algorithm, byte[] ciphertext) {
        @Override
        public String toString() {
            return "DecryptRequest[" + algorithm + ", " + ciphertext.length + " bytes]";
        }
    }

    /** The public-key answer's body. */
    static byte[] publicKeyBody(RSAPublicKey key, String kid, Instant cacheExpiry) {
        return write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("key");
            g.writeStringField("kty", "RSA");
            g.writeStringField("n", Base64.getEncoder().encodeToString(unsigned(key.getModulus())));
            g.writeFieldName("e");
            g.writeNumber(key.getPublicExponent());
            g.writeStringField("alg", PUBLIC_KEY_ALGORITHM);
            g.writeStringField("kid", kid);
            g.writeEndObject();
            if (cacheExpiry != null) {
                g.writeObjectFieldStart("cache");
                g.writeStringField("exp", CACHE_EXP.format(cacheExpiry.truncatedTo(ChronoUnit.SECONDS)));
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    /** {@code cache.exp} as written. */
    static String cacheExpiry(Instant when) {
        return CACHE_EXP.format(when.truncatedTo(ChronoUnit.SECONDS));
    }

    /**
     * Reads a decrypt request.
     *
     * @throws DkeException {@link DkeError#INVALID_REQUEST} naming the member (never a value)
     */
    static DecryptRequest parseDecrypt(byte[] body) {
        if (body == null || body.length == 0) {
            throw invalid("the request body is empty");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new DkeException(DkeError.PAYLOAD_TOO_LARGE, "the request body is larger than " + MAX_BODY_BYTES
                    + " bytes");
        }
        String algorithm = null;
        byte[] value = null;
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("the request body is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken token = p.nextToken();
                if ("alg".equals(name)) {
                    algorithm = string(p, token, name);
                } else if ("value".equals(name)) {
                    String text = string(p, token, name);
                    if (text.length() > MAX_VALUE_CHARS) {
                        throw invalid("value is longer than " + MAX_VALUE_CHARS + " characters");
                    }
                    try {
                        value = Base64.getDecoder().decode(text);
                    } catch (IllegalArgumentException e) {
                        throw invalid("value is not Base64");
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw invalid("the request body holds more than one JSON value");
            }
        } catch (IOException e) {
            throw invalid("the request body is not valid JSON");
        }
        if (algorithm == null) {
            throw invalid("alg is required");
        }
        if (!DECRYPT_ALGORITHM.equals(algorithm)) {
            throw invalid("alg must be " + DECRYPT_ALGORITHM);
        }
        if (value == null || value.length == 0) {
            throw invalid("value is required");
        }
        return new DecryptRequest(algorithm, value);
    }

    /**
     * The decrypt answer's body, {@code {"value":"<Base64>"}}, built in one array without a
     * {@code String} on the way, so it can be zeroed once written.
     */
    static SecretBytes decryptBody(SecretBytes plaintext) {
        byte[] head = "{\"value\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] encoded = Base64.getEncoder().encode(plaintext.reveal());
        try {
            byte[] body = new byte[head.length + encoded.length + tail.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(encoded, 0, body, head.length, encoded.length);
            System.arraycopy(tail, 0, body, head.length + encoded.length, tail.length);
            return SecretBytes.adopt(body);
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    static byte[] errorBody(DkeError error, String message, String approvalRequestId) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("error", error.code());
            g.writeStringField("message", message);
            if (approvalRequestId != null) {
                g.writeStringField("approvalRequestId", approvalRequestId);
            }
            g.writeEndObject();
        });
    }

    /** The big-endian magnitude without the sign byte Java adds when the top bit is set. */
    static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            return Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return bytes;
    }

    private static String string(JsonParser p, JsonToken token, String name) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            throw invalid(name + " must be a JSON string");
        }
        return p.getText();
    }

    private static DkeException invalid(String message) {
        return new DkeException(DkeError.INVALID_REQUEST, message);
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
        return out.toByteArray();
    }
}
