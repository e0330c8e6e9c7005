package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The strict form of the SigV4 Authorization header: what parses, and every near miss refused. */
class SigV4AuthorizationTest {
    private static final String SIGNATURE = "05a3e8efb4fa6e4fc1dcbc38f5c20bfcf3740b9264ae2a91d10d62f0312af23d";
    /** As curl 7.88.1 --aws-sigv4 "aws:amz:us-east-1:kms-xks-proxy" sent it (digest §6). */
    static final String CURL_HEADER = "AWS4-HMAC-SHA256 Credential=AKIAI2SFODNN7EXAMPLE/20261207/us-east-1/"
            + "kms-xks-proxy/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + SIGNATURE;

    @Test
    void parsesTheHeaderCurlSends() {
        SigV4Authorization auth = SigV4Authorization.parse(CURL_HEADER);
        assertEquals("AKIAI2SFODNN7EXAMPLE", auth.accessKeyId());
        assertEquals("20261207", auth.scopeDate());
        assertEquals("us-east-1", auth.region());
        assertEquals("kms-xks-proxy", auth.service());
        assertEquals(List.of("content-type", "host", "x-amz-date"), auth.signedHeaders());
        assertEquals(SIGNATURE, HexFormat.of().formatHex(auth.signature()));
        assertEquals("20261207/us-east-1/kms-xks-proxy/aws4_request", auth.credentialScope());
        assertEquals("content-type;host;x-amz-date", auth.signedHeadersList());
    }

    @Test
    void acceptsCommasWithoutSpaces() {
        SigV4Authorization auth = SigV4Authorization.parse(CURL_HEADER.replace(", ", ","));
        assertEquals("AKIAI2SFODNN7EXAMPLE", auth.accessKeyId());
    }

    /** The cursor accepts exactly what the former regular expression accepted, near misses included. */
    @Test
    void parsesExactlyAsTheFormerRegularExpression() {
        String sdk = "AWS4-HMAC-SHA256 Credential=LOADTESTXKS2ACCESSKEY7/20261207/eu-west-3/kms-xks-proxy/"
                + "aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=" + SIGNATURE;
        List<String> seeds = List.of(CURL_HEADER, sdk, CURL_HEADER.replace(", ", ","),
                CURL_HEADER.replace("AKIAI2SFODNN7EXAMPLE", "A".repeat(256)),
                CURL_HEADER.replace("us-east-1", "r".repeat(256)));
        List<String> pieces = List.of("/", "//", ", ", ",", ";", ";host", "aws4_request", "20261207",
                "SignedHeaders=", "Signature=", "Credential=", "A".repeat(40), "0f", " ", "\t");
        int parsed = 0;
        for (String header : ParserReferences.nearMisses(seeds, pieces, 30_000, 7)) {
            Object expected = ParserReferences.authorization(header);
            Object actual;
            try {
                actual = SigV4Authorization.parse(header);
            } catch (XksException e) {
                assertEquals(XksError.AUTHENTICATION_FAILED, e.error());
                actual = "refused";
            }
            assertEquals(expected, actual, header);
            parsed += expected instanceof SigV4Authorization ? 1 : 0;
        }
        assertTrue(parsed > 1000, "the near misses include valid headers: " + parsed);
    }

    @Test
    void toStringHasNoSignature() {
        assertFalse(SigV4Authorization.parse(CURL_HEADER).toString().contains(SIGNATURE));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("empty", ""),
                Arguments.of("algorithm alone", "AWS4-HMAC-SHA256"),
                Arguments.of("another algorithm", CURL_HEADER.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")),
                Arguments.of("algorithm in lower case", CURL_HEADER.replace("AWS4-HMAC-SHA256", "aws4-hmac-sha256")),
                Arguments.of("SigV4a", CURL_HEADER.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256")),
                Arguments.of("two spaces after the algorithm", CURL_HEADER.replace("SHA256 Cred", "SHA256  Cred")),
                Arguments.of("tab after a comma", CURL_HEADER.replace(", Signed", ",\tSigned")),
                Arguments.of("two spaces after a comma", CURL_HEADER.replace(", Signed", ",  Signed")),
                Arguments.of("parts in another order", "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Credential="
                        + "AKIAI2SFODNN7EXAMPLE/20261207/us-east-1/kms-xks-proxy/aws4_request, Signature=" + SIGNATURE),
                Arguments.of("an extra part", CURL_HEADER + ", Extra=1"),
                Arguments.of("no SignedHeaders", CURL_HEADER.replace(" SignedHeaders=content-type;host;x-amz-date,", "")),
                Arguments.of("scope with four parts", CURL_HEADER.replace("/us-east-1/", "/")),
                Arguments.of("scope with six parts", CURL_HEADER.replace("/us-east-1/", "/us-east-1/x/")),
                Arguments.of("another terminator", CURL_HEADER.replace("aws4_request", "aws4_response")),
                Arguments.of("scope date of seven digits", CURL_HEADER.replace("/20261207/", "/2026127/")),
                Arguments.of("empty access key id", CURL_HEADER.replace("AKIAI2SFODNN7EXAMPLE", "")),
                Arguments.of("signature of 63 digits", CURL_HEADER.substring(0, CURL_HEADER.length() - 1)),
                Arguments.of("signature of 65 digits", CURL_HEADER + "0"),
                Arguments.of("signature in upper case", CURL_HEADER.replace(SIGNATURE, SIGNATURE.toUpperCase())),
                Arguments.of("header name in upper case", CURL_HEADER.replace("content-type;", "Content-Type;")),
                Arguments.of("empty SignedHeaders", CURL_HEADER.replace("content-type;host;x-amz-date", "")),
                Arguments.of("SignedHeaders ending in ';'", CURL_HEADER.replace("x-amz-date,", "x-amz-date;,")),
                Arguments.of("SignedHeaders not sorted", CURL_HEADER.replace("content-type;host", "host;content-type")),
                Arguments.of("SignedHeaders with a duplicate", CURL_HEADER.replace("content-type;host", "host;host")),
                Arguments.of("over 2048 characters", CURL_HEADER.replace("AKIAI2SFODNN7EXAMPLE", "A".repeat(2100))),
                Arguments.of("null", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void refusesMalformedHeaders(String name, String header) {
        XksException e = assertThrows(XksException.class, () -> SigV4Authorization.parse(header));
        assertEquals(XksError.AUTHENTICATION_FAILED, e.error());
    }
}
