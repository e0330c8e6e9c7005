package coffre.kms.server.dke;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSetUnavailableException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.JWTClaimsSetVerifier;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Validates the Entra ID (OAuth 2) bearer token of a DKE request with Nimbus JOSE + JWT and turns
 * it into a {@link DkeCaller}. A token is accepted only if all of these hold, checked in this order:
 * <ol>
 *   <li>{@code Authorization: Bearer <token>} is present, at most {@value #MAX_TOKEN_CHARS} characters;</li>
 *   <li>it is a signed JWT (JWS): an unsecured ({@code alg: none}) or encrypted token is refused;</li>
 *   <li>its {@code alg} is on the allow-list ({@code dke.jwt.algorithms}: RSA or EC only, so a
 *       token HMAC-signed with the issuer's <em>public</em> key as the secret is refused before any
 *       key is looked at);</li>
 *   <li>its signature verifies with a key of the issuer's JWK set ({@link JwksSources}; an
 *       unknown {@code kid} makes the set be read again, at a bounded rate);</li>
 *   <li>{@code iss} is one of the configured issuers, exactly;</li>
 *   <li>{@code aud} is (or, as an array, holds) the service URL;</li>
 *   <li>{@code exp} is present and not past, {@code nbf} (if present) not in the future, both with
 *       {@code dke.jwt.clockSkew} of tolerance;</li>
 *   <li>it names a user: {@code upn}, else {@code email}, else {@code oid}.</li>
 * </ol>
 * Every refusal is {@link DkeError#UNAUTHORIZED} with a short message saying which check failed
 * (the client may show it; it never repeats the token), and the same as the audit detail. A JWK
 * set that cannot be read is {@link DkeError#UNAVAILABLE}: the token may be fine.
 */
final class BearerTokens {
    /** Entra ID tokens with many groups run to a few kilobytes; far longer is not a token. */
    static final int MAX_TOKEN_CHARS = 16 * 1024;
    private static final String BEARER = "bearer ";

    private final DefaultJWTProcessor<SecurityContext> processor;
    private final Set<JWSAlgorithm> algorithms;

    /**
     * @param keys       the issuer's signing keys
     * @param algorithms accepted JWS algorithm names (asymmetric only; the settings check them)
     * @param issuers    accepted {@code iss} values, exactly
     * @param audience   the service URL, the one accepted {@code aud}
     * @param clockSkew  tolerance on {@code exp} and {@code nbf}
     */
    BearerTokens(JWKSource<SecurityContext> keys, Set<String> algorithms, List<String> issuers, String audience,
                 Duration clockSkew, Clock clock) {
        this.algorithms = algorithms.stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        for (JWSAlgorithm alg : this.algorithms) {
            if (!JWSAlgorithm.Family.RSA.contains(alg) && !JWSAlgorithm.Family.EC.contains(alg)) {
                throw new IllegalArgumentException("only RSA and EC signature algorithms may verify tokens, not " + alg);
            }
        }
        this.processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(this.algorithms, keys));
        processor.setJWTClaimsSetVerifier(new Claims(Set.copyOf(issuers), audience, clockSkew, clock));
    }

    /**
     * The caller the request's {@code Authorization} header names.
     *
     * @param authorization the header's value, or null when absent
     * @throws DkeException {@link DkeError#UNAUTHORIZED} (detail: which check failed),
     *                      {@link DkeError#UNAVAILABLE} when the issuer's keys cannot be read
     */
    DkeCaller verify(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw refused("no bearer token");
        }
        if (authorization.length() > BEARER.length() + MAX_TOKEN_CHARS) {
            throw refused("the bearer token is longer than " + MAX_TOKEN_CHARS + " characters");
        }
        if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw refused("the Authorization header is not a bearer token");
        }
        String token = authorization.substring(BEARER.length()).strip();
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw refused("the bearer token is not a JWT");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw refused("the bearer token is not signed (alg none or encrypted)");
        }
        JWSAlgorithm alg = signed.getHeader().getAlgorithm();
        if (!algorithms.contains(alg)) {
            throw refused("the bearer token's algorithm " + alg + " is not accepted");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(signed, null);
        } catch (Refusal e) {
            throw refused(e.getMessage());
        } catch (BadJOSEException e) {
            throw refused("the bearer token's signature does not verify with the issuer's keys");
        } catch (JWKSetUnavailableException e) {
            throw new DkeException(DkeError.UNAVAILABLE, "the token issuer's keys cannot be read now, retry later",
                    ErrorReason.UNAUTHENTICATED_PRINCIPAL, null, "JWK set unavailable", null);
        } catch (JOSEException e) {
            // A rate-limited refresh for an unknown kid, or a key the JWK set holds in an unusable form.
            throw refused("the bearer token's signing key is not among the issuer's keys");
        }
        return caller(claims);
    }

    private static DkeCaller caller(JWTClaimsSet claims) {
        String tenantId = text(claims, "tid");
        String upn = lower(text(claims, "upn"));
        String email = lower(text(claims, "email"));
        String oid = text(claims, "oid");
        String user = upn != null ? upn : email != null ? email : oid;
        if (user == null) {
            throw refused("the bearer token names no user (upn, email or oid)");
        }
        Principal principal;
        try {
            principal = new Principal(DkeCaller.PRINCIPAL_PREFIX + user);
        } catch (IllegalArgumentException e) {
            throw refused("the bearer token's user name is not usable");
        }
        return new DkeCaller(principal, RequestMetadata.ofClaims(tenantId, upn, email, list(claims, "groups"),
                list(claims, "roles")), oid);
    }

    private static String text(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        if (!(value instanceof String s) || s.isBlank() || s.chars().anyMatch(Character::isISOControl)) {
            return null;
        }
        return s.strip();
    }

    private static String lower(String value) {
        return value == null ? null : value.toLowerCase(Locale.ROOT);
    }

    private static List<String> list(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        if (value instanceof List<?> items) {
            return items.stream().filter(String.class::isInstance).map(String.class::cast).toList();
        }
        return value instanceof String s ? List.of(s) : List.of();
    }

    private static DkeException refused(String why) {
        return new DkeException(DkeError.UNAUTHORIZED, why, ErrorReason.UNAUTHENTICATED_PRINCIPAL, null, why, null);
    }

    /** A claim check that failed: its message says which, and is safe to send. */
    private static final class Refusal extends BadJWTException {
        private static final long serialVersionUID = 1L;

        Refusal(String message) {
            super(message);
        }
    }

    /** Issuer, audience and validity times, with an injected clock (not Nimbus's own, which reads the system's). */
    private record Claims(Set<String> issuers, String audience, Duration skew, Clock clock)
            implements JWTClaimsSetVerifier<SecurityContext> {
        @Override
        public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
            if (claims.getIssuer() == null || !issuers.contains(claims.getIssuer())) {
                throw new Refusal("the bearer token's issuer is not accepted");
            }
            if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
                throw new Refusal("the bearer token is not for this service (audience)");
            }
            Instant now = clock.instant();
            Date exp = claims.getExpirationTime();
            if (exp == null) {
                throw new Refusal("the bearer token has no expiry (exp)");
            }
            if (now.isAfter(exp.toInstant().plus(skew))) {
                throw new Refusal("the bearer token has expired");
            }
            Date nbf = claims.getNotBeforeTime();
            if (nbf != null && now.isBefore(nbf.toInstant().minus(skew))) {
                throw new Refusal("the bearer token is not valid yet (nbf)");
            }
        }
    }
}
