package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SigV4Verifier} against the request curl 7.88.1 signed with {@code --aws-sigv4} (the spec's
 * own client; the vector of the XKS digest §6, checked on this machine), and every refusal.
 */
class SigV4VerifierTest {
    static final Instant SIGNED_AT = Instant.parse("2026-12-07T09:46:56Z");
    static final byte[] BODY = "{\"requestMetadata\":{\"kmsOperation\":\"KmsHealthCheck\",\"kmsRequestId\":\"x\"}}"
            .getBytes(StandardCharsets.UTF_8);
    static final String CANONICAL_REQUEST = "POST\n/path/kms/xks/v1/health\n\n"
            + "content-type:application/json\nhost:127.0.0.1:18999\nx-amz-date:20261207T094656Z\n\n"
            + "content-type;host;x-amz-date\nd5d3bc89a63c23746fb0e80f9951e551747c3a66029da73b01cfc898ae0a6545";

    /** The request as curl put it on the wire (headers in its order, unsigned ones included). */
    static SigV4Request curlRequest() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Host", List.of("127.0.0.1:18999"));
        headers.put("Authorization", List.of(SigV4AuthorizationTest.CURL_HEADER));
        headers.put("X-Amz-Date", List.of("20261207T094656Z"));
        headers.put("User-Agent", List.of("curl/7.88.1"));
        headers.put("Accept", List.of("*/*"));
        headers.put("Content-Type", List.of("application/json"));
        headers.put("Content-Length", List.of(Integer.toString(BODY.length)));
        return new SigV4Request("POST", "/path/kms/xks/v1/health", headers, BODY);
    }

    static SigV4Verifier verifierAt(Instant now, SigV4DateKeySource keys) {
        return new SigV4Verifier("us-east-1", keys, Clock.fixed(now, ZoneOffset.UTC));
    }

    /** SigV4's trimall: values as every signer sends them pass untouched; others are trimmed and their runs collapsed. */
    @Test
    void headerValuesAreTrimmedAsSigV4Says() {
        String plain = "AWS4-HMAC-SHA256 Credential=x, Signature=y";
        assertSame(plain, SigV4CanonicalRequest.trimAll(plain));
        assertEquals("", SigV4CanonicalRequest.trimAll(""));
        assertEquals("", SigV4CanonicalRequest.trimAll("  \t "));
        assertEquals("a b", SigV4CanonicalRequest.trimAll(" a b"));
        assertEquals("a b", SigV4CanonicalRequest.trimAll("a b "));
        assertEquals("a b", SigV4CanonicalRequest.trimAll("a  b"));
        assertEquals("a b", SigV4CanonicalRequest.trimAll("a\tb"));
        assertEquals("a b c", SigV4CanonicalRequest.trimAll("\ta \t b\t\tc\t"));
    }

    @Test
    void curlVectorVerifies() {
        SigV4Identity identity = verifierAt(SIGNED_AT, TestDateKeys.standard()).verify(curlRequest());
        assertEquals(new SigV4Identity("AKIAI2SFODNN7EXAMPLE", SIGNED_AT), identity);
    }

    @Test
    void curlVectorCanonicalRequestIsTheDigests() {
        SigV4Request request = curlRequest();
        SigV4Authorization auth = SigV4Authorization.parse(SigV4AuthorizationTest.CURL_HEADER);
        assertEquals(CANONICAL_REQUEST,
                SigV4CanonicalRequest.of(request, auth, SigV4CanonicalRequest.payloadHash(request.body())));
    }

    @Test
    void headerNamesAreCaseInsensitive() {
        SigV4Request lower = withHeaders(curlRequest(), h -> {
            Map<String, List<String>> out = new LinkedHashMap<>();
            h.forEach((name, values) -> out.put(name.toLowerCase(), values));
            return out;
        });
        verifierAt(SIGNED_AT, TestDateKeys.standard()).verify(lower);
    }

    @Test
    void http2AuthorityStandsForHost() {
        SigV4Request h2 = withHeaders(curlRequest(), h -> {
            h.put(":authority", h.remove("Host"));
            return h;
        });
        verifierAt(SIGNED_AT, TestDateKeys.standard()).verify(h2);
    }

    @Test
    void http2HostAndTheSameAuthorityVerify() {
        SigV4Request both = withHeaders(curlRequest(), h -> add(h, ":authority", "127.0.0.1:18999"));
        verifierAt(SIGNED_AT, TestDateKeys.standard()).verify(both);
    }

    static Stream<Arguments> clockOffsets() {
        return Stream.of(
                Arguments.of("signed 5 min ago", Duration.ofMinutes(5), true),
                Arguments.of("signed 5 min ahead", Duration.ofMinutes(-5), true),
                Arguments.of("signed 5 min 1 s ago (replay)", Duration.ofSeconds(301), false),
                Arguments.of("signed 5 min 1 s ahead", Duration.ofSeconds(-301), false),
                Arguments.of("signed an hour ago (replay)", Duration.ofHours(1), false),
                Arguments.of("signed a day ahead", Duration.ofDays(-1), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clockOffsets")
    void clockWindowIsFiveMinutes(String name, Duration nowMinusSigned, boolean accepted) {
        SigV4Verifier verifier = verifierAt(SIGNED_AT.plus(nowMinusSigned), TestDateKeys.standard());
        if (accepted) {
            verifier.verify(curlRequest());
        } else {
            assertRefused(verifier, curlRequest(), "5 minutes");
        }
    }

    static Stream<Arguments> refusals() {
        String header = SigV4AuthorizationTest.CURL_HEADER;
        return Stream.of(
                refusal("no Authorization header", h -> remove(h, "Authorization"), "exactly one authorization"),
                refusal("two Authorization headers", h -> add(h, "authorization", header), "exactly one authorization"),
                refusal("malformed Authorization", h -> set(h, "Authorization", header.replace(", ", ";")),
                        "not an AWS4-HMAC-SHA256"),
                refusal("scope names another service", h -> set(h, "Authorization",
                        header.replace("kms-xks-proxy", "kms")), "service must be kms-xks-proxy"),
                refusal("scope names another region", h -> set(h, "Authorization",
                        header.replace("us-east-1", "eu-west-3")), "region"),
                refusal("host not signed", h -> set(h, "Authorization",
                        header.replace("content-type;host;x-amz-date", "content-type;x-amz-date")), "include host"),
                refusal("x-amz-date not signed", h -> set(h, "Authorization",
                        header.replace("content-type;host;x-amz-date", "content-type;host")), "include host"),
                refusal("a signed header is missing", h -> remove(h, "Content-Type"), "signed header is missing"),
                refusal("no X-Amz-Date header", h -> remove(h, "X-Amz-Date"), "exactly one x-amz-date"),
                refusal("two X-Amz-Date headers", h -> add(h, "x-amz-date", "20261207T094656Z"),
                        "exactly one x-amz-date"),
                refusal("X-Amz-Date with separators", h -> set(h, "X-Amz-Date", "2026-12-07T09:46:56Z"),
                        "X-Amz-Date must be"),
                refusal("X-Amz-Date on 31 November", h -> set(h, "X-Amz-Date", "20261131T094656Z"),
                        "X-Amz-Date must be"),
                refusal("X-Amz-Date at 24:00", h -> set(h, "X-Amz-Date", "20261207T240000Z"), "X-Amz-Date must be"),
                refusal("scope date is not X-Amz-Date's", h -> set(h, "Authorization",
                        header.replace("/20261207/", "/20261206/")), "date"),
                refusal("unknown access key id", h -> set(h, "Authorization",
                        header.replace("AKIAI2SFODNN7EXAMPLE", "AKIAI2SFODNN7EXAMPLF")), "does not verify"),
                refusal("invalid lower-case access key id", h -> set(h, "Authorization",
                        header.replace("AKIAI2SFODNN7EXAMPLE", "InvalidAKIAI2SFODNN7EXAMPLE")), "does not verify"),
                refusal("signature with one bit flipped", h -> set(h, "Authorization",
                        header.substring(0, header.length() - 1) + "c"), "does not verify"),
                refusal("Host changed", h -> set(h, "Host", "127.0.0.1:18998"), "does not verify"),
                refusal("Host and :authority differ", h -> add(h, ":authority", "xks.example.com"),
                        "exactly one Host"),
                refusal("two Host headers", h -> add(h, "host", "127.0.0.1:18999"), "exactly one Host"),
                refusal("signed Content-Type changed", h -> set(h, "Content-Type", "text/plain"),
                        "does not verify"),
                refusal("x-amz-content-sha256 signed but wrong", h -> {
                    set(h, "x-amz-content-sha256", "0".repeat(64));
                    return set(h, "Authorization", header.replace("content-type;host;x-amz-date",
                            "content-type;host;x-amz-content-sha256;x-amz-date"));
                }, "x-amz-content-sha256"));
    }

    private static Arguments refusal(String name, UnaryOperator<Map<String, List<String>>> change, String message) {
        return Arguments.of(name, change, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesChangedHeaders(String name, UnaryOperator<Map<String, List<String>>> change, String message) {
        assertRefused(verifierAt(SIGNED_AT, TestDateKeys.standard()), withHeaders(curlRequest(), change), message);
    }

    @Test
    void refusesABodyChangedAfterSigning() {
        byte[] changed = BODY.clone();
        changed[changed.length - 3] = 'y';
        SigV4Request request = curlRequest();
        assertRefused(verifierAt(SIGNED_AT, TestDateKeys.standard()),
                new SigV4Request("POST", request.rawPath(), request.headers(), changed), "does not verify");
    }

    @Test
    void refusesABodyWithATrailingNewline() {
        byte[] longer = (new String(BODY, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
        SigV4Request request = curlRequest();
        assertRefused(verifierAt(SIGNED_AT, TestDateKeys.standard()),
                new SigV4Request("POST", request.rawPath(), request.headers(), longer), "does not verify");
    }

    @Test
    void refusesAnotherPathOrMethod() {
        SigV4Request request = curlRequest();
        SigV4Verifier verifier = verifierAt(SIGNED_AT, TestDateKeys.standard());
        assertRefused(verifier, new SigV4Request("POST", "/other/kms/xks/v1/health", request.headers(), BODY),
                "does not verify");
        assertRefused(verifier, new SigV4Request("PUT", request.rawPath(), request.headers(), BODY),
                "does not verify");
        assertRefused(verifier, new SigV4Request("POST", "/path/kms/xks/v1/%68ealth", request.headers(), BODY),
                "canonical");
    }

    @Test
    void refusesTheWrongSecret() {
        TestDateKeys keys = new TestDateKeys().with(AwsSdkSigner.ACCESS_KEY_ID, "Invalid" + AwsSdkSigner.SECRET);
        assertRefused(verifierAt(SIGNED_AT, keys), curlRequest(), "does not verify");
    }

    @Test
    void derivedKeysAreCachedAndTheDateKeysZeroed() {
        TestDateKeys keys = TestDateKeys.standard();
        SigV4Verifier verifier = verifierAt(SIGNED_AT, keys);
        verifier.verify(curlRequest());
        verifier.verify(curlRequest());
        assertEquals(1, keys.calls.get());
        assertEquals(1, verifier.cachedSigningKeyCount());
        assertTrue(keys.handedOut.stream().allMatch(key -> key.length == 32 && isZero(key)));
    }

    @Test
    void failedSignaturesAreNotCached() {
        TestDateKeys keys = new TestDateKeys().with(AwsSdkSigner.ACCESS_KEY_ID, "Invalid" + AwsSdkSigner.SECRET);
        SigV4Verifier verifier = verifierAt(SIGNED_AT, keys);
        assertRefused(verifier, curlRequest(), "does not verify");
        assertRefused(verifier, curlRequest(), "does not verify");
        assertEquals(2, keys.calls.get());
        assertEquals(0, verifier.cachedSigningKeyCount());
    }

    @Test
    void forgetRevokesACachedCredential() {
        TestDateKeys keys = TestDateKeys.standard();
        SigV4Verifier verifier = verifierAt(SIGNED_AT, keys);
        verifier.verify(curlRequest());
        keys.remove(AwsSdkSigner.ACCESS_KEY_ID);
        verifier.verify(curlRequest()); // still cached: this is why the wiring must call forget
        verifier.forget(AwsSdkSigner.ACCESS_KEY_ID);
        assertRefused(verifier, curlRequest(), "does not verify");
        verifier.forgetAll();
        assertEquals(0, verifier.cachedSigningKeyCount());
    }

    @Test
    void cacheStaysBounded() {
        TestDateKeys keys = new TestDateKeys();
        SigV4Verifier verifier = verifierAt(SIGNED_AT, keys);
        for (int i = 0; i < 40; i++) {
            String accessKeyId = "AKIDAKIDAKIDAKIDAK" + (char) ('A' + i % 26) + (char) ('A' + i / 26);
            keys.with(accessKeyId, AwsSdkSigner.SECRET);
            verifier.verify(new AwsSdkSigner(accessKeyId, AwsSdkSigner.SECRET, "us-east-1", SigV4Verifier.SERVICE,
                    SIGNED_AT).sign("https://xks.example.com/kms/xks/v1/health", BODY));
            assertTrue(verifier.cachedSigningKeyCount() <= SigV4Verifier.MAX_CACHED_SIGNING_KEYS);
        }
    }

    @Test
    void needsARegion() {
        assertThrows(IllegalArgumentException.class,
                () -> new SigV4Verifier(" ", TestDateKeys.standard(), Clock.systemUTC()));
    }

    static void assertRefused(SigV4Verifier verifier, SigV4Request request, String messagePart) {
        XksException e = assertThrows(XksException.class, () -> verifier.verify(request));
        assertEquals(XksError.AUTHENTICATION_FAILED, e.error());
        assertTrue(e.getMessage().contains(messagePart), () -> "message: " + e.getMessage());
    }

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    static SigV4Request withHeaders(SigV4Request request, UnaryOperator<Map<String, List<String>>> change) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        request.headers().forEach((name, values) -> headers.put(name, new ArrayList<>(values)));
        return new SigV4Request(request.method(), request.rawPath(), change.apply(headers), request.body());
    }

    private static Map<String, List<String>> set(Map<String, List<String>> h, String name, String value) {
        remove(h, name);
        h.put(name, new ArrayList<>(List.of(value)));
        return h;
    }

    private static Map<String, List<String>> add(Map<String, List<String>> h, String name, String value) {
        h.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        return h;
    }

    private static Map<String, List<String>> remove(Map<String, List<String>> h, String name) {
        h.keySet().removeIf(name::equalsIgnoreCase);
        return h;
    }
}
