package coffre.kms.server.dke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.RequestMetadata;
import com.nimbusds.jwt.JWTClaimsSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bearer token checks, each failing alone on an otherwise valid Entra ID token: the answer
 * is 401 with a message naming the check (and the audit detail the same), never the token.
 */
class BearerTokensTest {
    private static final String SERVICE = "https://dke.example.eu";

    @TempDir
    Path dir;
    private final TestIssuer issuer = new TestIssuer(SERVICE);

    private BearerTokens tokensFromFile() throws Exception {
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, issuer.jwks());
        return new BearerTokens(JwksSources.fromFile(jwks, Duration.ofHours(1), Duration.ofMillis(100)),
                Set.of("RS256"), List.of(TestIssuer.ISSUER), SERVICE, Duration.ofSeconds(60), Clock.systemUTC());
    }

    private static DkeException refused(BearerTokens tokens, String authorization, String why) {
        DkeException e = assertThrows(DkeException.class, () -> tokens.verify(authorization));
        assertEquals(DkeError.UNAUTHORIZED, e.error());
        assertEquals(ErrorReason.UNAUTHENTICATED_PRINCIPAL, e.auditedReason());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertEquals(e.getMessage(), e.detail());
        return e;
    }

    @Test
    void aValidTokenNamesTheUserByUpnInLowerCaseWithItsClaims() throws Exception {
        BearerTokens tokens = tokensFromFile();
        String token = issuer.sign(issuer.claims("Alice@Example.EU").claim("email", "Alice.Smith@Example.EU")
                .claim("groups", List.of("g-1", "g-2")).claim("roles", List.of("Dke.Reader")).build());
        DkeCaller caller = tokens.verify("Bearer " + token);
        assertEquals("dke:alice@example.eu", caller.principal().name());
        RequestMetadata claims = caller.claims();
        assertEquals(TestIssuer.TENANT, claims.tenantId());
        assertEquals("alice@example.eu", claims.upn());
        assertEquals("alice.smith@example.eu", claims.email());
        assertEquals(List.of("g-1", "g-2"), claims.groups());
        assertEquals(List.of("Dke.Reader"), claims.roles());
        assertEquals("alice@example.eu", caller.user());
    }

    @Test
    void withoutUpnTheUserIsTheEmailThenTheObjectId() throws Exception {
        BearerTokens tokens = tokensFromFile();
        var noUpn = issuer.claims("x").claim("upn", null).claim("email", "Guest@Partner.EU").build();
        assertEquals("dke:guest@partner.eu", tokens.verify("Bearer " + issuer.sign(noUpn)).principal().name());
        var onlyOid = issuer.claims("x").claim("upn", null).claim("oid", "0c3f1d3a-1111-2222-3333-444455556666").build();
        DkeCaller byOid = tokens.verify("bearer " + issuer.sign(onlyOid));
        assertEquals("dke:0c3f1d3a-1111-2222-3333-444455556666", byOid.principal().name());
        var nobody = issuer.claims("x").claim("upn", null).claim("oid", null).build();
        refused(tokens, "Bearer " + issuer.sign(nobody), "names no user");
    }

    @Test
    void missingOrMalformedAuthorizationIsRefused() throws Exception {
        BearerTokens tokens = tokensFromFile();
        refused(tokens, null, "no bearer token");
        refused(tokens, "", "no bearer token");
        refused(tokens, "Basic dXNlcjpwYXNz", "not a bearer token");
        refused(tokens, "Bearer not.a.jwt", "not a JWT");
        refused(tokens, "Bearer " + "a".repeat(BearerTokens.MAX_TOKEN_CHARS + 1), "longer than");
    }

    @Test
    void expiredAndNotYetValidTokensAreRefusedBeyondTheClockSkew() throws Exception {
        BearerTokens tokens = tokensFromFile();
        Instant now = Instant.now();
        refused(tokens, "Bearer " + issuer.sign(issuer.claims("alice@example.eu")
                .expirationTime(Date.from(now.minusSeconds(120))).build()), "has expired");
        refused(tokens, "Bearer " + issuer.sign(issuer.claims("alice@example.eu")
                .notBeforeTime(Date.from(now.plusSeconds(120))).build()), "not valid yet");
        refused(tokens, "Bearer " + issuer.sign(issuer.claims("alice@example.eu").expirationTime(null).build()),
                "no expiry");
        // Within the 60 s skew both still pass.
        tokens.verify("Bearer " + issuer.sign(issuer.claims("alice@example.eu")
                .expirationTime(Date.from(now.minusSeconds(20))).build()));
        tokens.verify("Bearer " + issuer.sign(issuer.claims("alice@example.eu")
                .notBeforeTime(Date.from(now.plusSeconds(20))).build()));
    }

    @Test
    void wrongAudienceAndWrongIssuerAreRefused() throws Exception {
        BearerTokens tokens = tokensFromFile();
        refused(tokens, "Bearer " + issuer.sign(issuer.claims("alice@example.eu").audience("https://aadrm.com").build()),
                "not for this service");
        refused(tokens, "Bearer " + issuer.sign(issuer.claims("alice@example.eu").audience(SERVICE + "/").build()),
                "not for this service");
        refused(tokens, "Bearer " + issuer.sign(issuer.claims("alice@example.eu")
                .issuer("https://sts.windows.net/00000000-0000-0000-0000-000000000000/").build()), "issuer");
        // An audience array that holds the service is fine.
        tokens.verify("Bearer " + issuer.sign(issuer.claims("alice@example.eu")
                .audience(List.of("api://other", SERVICE)).build()));
    }

    @Test
    void unknownKeyUnsignedHmacAndTamperedTokensAreRefused() throws Exception {
        BearerTokens tokens = tokensFromFile();
        refused(tokens, "Bearer " + TestIssuer.sign(issuer.claims("alice@example.eu").build(), TestIssuer.newKey()),
                "issuer's keys");
        refused(tokens, "Bearer " + issuer.unsigned("alice@example.eu"), "not signed");
        refused(tokens, "Bearer " + issuer.hmacWithPublicKey("alice@example.eu"), "HS256 is not accepted");
        refused(tokens, "Bearer " + issuer.tampered("alice@example.eu", "mallory@example.eu"), "signature does not verify");
    }

    @Test
    void anUnknownKidRereadsTheJwkSetAtABoundedRate() throws Exception {
        try (JwksServer server = JwksServer.http(issuer::jwks)) {
            BearerTokens tokens = new BearerTokens(JwksSources.fromUrl(server.url(), null, Duration.ofHours(1),
                    Duration.ofSeconds(30)), Set.of("RS256"), List.of(TestIssuer.ISSUER), SERVICE,
                    Duration.ofSeconds(60), Clock.systemUTC());
            tokens.verify("Bearer " + issuer.token("alice@example.eu"));
            tokens.verify("Bearer " + issuer.token("alice@example.eu"));
            assertEquals(1, server.fetches(), "the set is cached");
            issuer.rotate();
            // The tenant rotated its key: the new kid makes the node read the set again, once.
            tokens.verify("Bearer " + issuer.token("alice@example.eu"));
            assertEquals(2, server.fetches());
            // Forged kids: each would force a read, but the rate limit allows at most one more per gap.
            for (int i = 0; i < 20; i++) {
                refused(tokens, "Bearer " + TestIssuer.sign(issuer.claims("alice@example.eu").build(),
                        TestIssuer.newKey()), "issuer's keys");
            }
            assertTrue(server.fetches() <= 4, "JWK set read " + server.fetches() + " times for 20 forged kids");
        }
    }

    @Test
    void onlyAsymmetricAlgorithmsMayBeConfigured() {
        assertThrows(IllegalArgumentException.class, () -> new BearerTokens(
                JwksSources.fromFile(dir.resolve("none.json"), Duration.ofHours(1), Duration.ofSeconds(1)),
                Set.of("HS256"), List.of(TestIssuer.ISSUER), SERVICE, Duration.ZERO, Clock.systemUTC()));
    }

    @Test
    void aTokenForAnotherUserWithTheSameSignatureFailsAndMessagesNeverHoldTheToken() throws Exception {
        BearerTokens tokens = tokensFromFile();
        String token = issuer.token("alice@example.eu");
        JWTClaimsSet claims = issuer.claims("alice@example.eu").build();
        DkeException e = refused(tokens, "Bearer " + token.substring(0, token.length() - 4) + "AAAA", "signature");
        assertTrue(!e.getMessage().contains(token.substring(0, 20)) && !e.getMessage().contains(claims.getSubject() + ""));
    }
}
