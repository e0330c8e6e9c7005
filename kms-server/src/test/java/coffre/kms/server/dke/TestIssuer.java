package coffre.kms.server.dke;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * A stand-in for the Entra ID tenant in tests: RSA signing keys (a JWK set to serve), and tokens
 * as Entra ID issues them for a user (v1 access token claims: {@code iss}, {@code aud},
 * {@code exp}, {@code nbf}, {@code iat}, {@code tid}, {@code oid}, {@code upn}, {@code email},
 * {@code groups}, {@code roles}), plus every kind of bad token the edge must refuse.
 */
final class TestIssuer {
    static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    static final String ISSUER = "https://sts.windows.net/" + TENANT + "/";

    private final String audience;
    private RSAKey signingKey;

    TestIssuer(String audience) {
        this.audience = audience;
        this.signingKey = newKey();
    }

    static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public JWK set (what the tenant publishes). */
    String jwks() {
        return new JWKSet(signingKey.toPublicJWK()).toString();
    }

    /** Signs with a new key from now on (the set returned by {@link #jwks()} changes). */
    void rotate() {
        signingKey = newKey();
    }

    RSAKey signingKey() {
        return signingKey;
    }

    /** Claims of a valid token for {@code upn}, valid from a minute ago for an hour. */
    JWTClaimsSet.Builder claims(String upn) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(audience)
                .issueTime(Date.from(now.minusSeconds(60)))
                .notBeforeTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .claim("tid", TENANT)
                .claim("oid", UUID.nameUUIDFromBytes(upn.getBytes(StandardCharsets.UTF_8)).toString())
                .claim("upn", upn)
                .claim("groups", List.of("g-readers"))
                .claim("roles", List.of());
    }

    String token(String upn) {
        return sign(claims(upn).build(), signingKey);
    }

    static String sign(JWTClaimsSet claims, RSAKey key) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    String sign(JWTClaimsSet claims) {
        return sign(claims, signingKey);
    }

    /** A token with {@code alg: none}. */
    String unsigned(String upn) {
        return new PlainJWT(claims(upn).build()).serialize();
    }

    /** A token HMAC-signed with the issuer's public key (its JWK's bytes) as the secret: the classic confusion attack. */
    String hmacWithPublicKey(String upn) {
        try {
            byte[] secret = signingKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(signingKey.getKeyID()).build(),
                    claims(upn).build());
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid token whose payload was changed after signing (another user). */
    String tampered(String upn, String otherUpn) {
        String[] parts = token(upn).split("\\.");
        String payload = Base64URL.encode(claims(otherUpn).build().toString()).toString();
        return parts[0] + "." + payload + "." + parts[2];
    }
}
