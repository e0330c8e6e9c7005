package coffre.kms.server.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The listener for Microsoft 365 Double Key Encryption (the DKE key-service protocol, docs/dke.md):
 * HTTPS on its own address with its own certificate (publicly trusted, for the DNS name in the
 * sensitivity label's key URL). Absent from the configuration (no {@code dke.port}): no listener.
 *
 * @param host                 {@code dke.host}
 * @param port                 {@code dke.port}; 0 picks a free port (tests)
 * @param certificate          {@code dke.tls.certificate}: the server certificate chain (PEM)
 * @param privateKey           {@code dke.tls.privateKey}: its PKCS#8 key (PEM)
 * @param serviceUrl           {@code dke.serviceUrl}: the public URL Office clients call,
 *                             {@code https://<host>[:port]} without a path; a key's URL is
 *                             {@code <serviceUrl>/<key name>}, the {@code kid} it hands out
 *                             {@code <serviceUrl>/<key name>/<version>}, and tokens must be issued
 *                             for it (their {@code aud})
 * @param issuers              {@code dke.jwt.issuers}: the accepted token issuers, exactly (e.g.
 *                             {@code https://sts.windows.net/<tenant id>/})
 * @param jwksFile             {@code dke.jwt.jwksFile}: the issuer's signing keys (a JWK set) in a
 *                             file; null when {@code jwksUrl} is set
 * @param jwksUrl              {@code dke.jwt.jwksUrl}: the same, fetched ({@code https}; {@code http}
 *                             only on a loopback address); null when {@code jwksFile} is set
 * @param jwksCa               {@code dke.jwt.jwksCa}: CA certificates (PEM) to trust for {@code jwksUrl}
 *                             instead of the JDK's; null for the JDK's
 * @param algorithms           {@code dke.jwt.algorithms}: accepted signature algorithms (RSA and EC
 *                             only: never {@code none}, never HMAC)
 * @param clockSkew            {@code dke.jwt.clockSkew}: how far {@code exp} and {@code nbf} may be off
 * @param jwksRefresh          {@code dke.jwt.jwksRefresh}: how long a JWK set is used before it is read again
 * @param jwksMinRefreshGap    {@code dke.jwt.jwksMinRefreshGap}: the least time between two reads
 *                             caused by tokens naming an unknown key ({@code kid}), so forged
 *                             {@code kid}s cannot make the node hammer the issuer
 * @param authorizationUrl     {@code dke.jwt.authorizationUrl}: the authorization endpoint named in
 *                             the 401 challenge, where Office clients get a token
 * @param publicKeyCacheTime   {@code dke.publicKeyCacheTime}: how long clients may keep a public key
 *                             ({@code cache.exp}); zero: no {@code cache} member, clients ask each time
 * @param anonymousPublicKey   {@code dke.anonymousPublicKey}: serve {@code GET /<key name>} to a
 *                             caller without a token (Microsoft's reference service does); the
 *                             key's policy is then not consulted for it, its state and mapping are
 * @param requestTimeout       {@code dke.requestTimeout}: a call not answered by then is answered 503
 * @param maxInFlight          {@code dke.maxInFlight}: calls admitted at once; one more is 429 at once
 */
public record DkeSettings(String host, int port, Path certificate, Path privateKey, URI serviceUrl,
                          List<String> issuers, Path jwksFile, URI jwksUrl, Path jwksCa, Set<String> algorithms,
                          Duration clockSkew, Duration jwksRefresh, Duration jwksMinRefreshGap, URI authorizationUrl,
                          Duration publicKeyCacheTime, boolean anonymousPublicKey, Duration requestTimeout,
                          int maxInFlight) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The authorization endpoint Microsoft's reference service names in its challenge. */
    public static final URI DEFAULT_AUTHORIZATION_URL = URI.create("https://login.windows.net/common/oauth2/authorize");
    public static final Set<String> DEFAULT_ALGORITHMS = Set.of("RS256");
    /** Asymmetric JWS algorithms only: a public key must never serve as an HMAC secret. */
    public static final Set<String> ALLOWED_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512");
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    public static final Duration DEFAULT_JWKS_REFRESH = Duration.ofHours(1);
    public static final Duration DEFAULT_JWKS_MIN_REFRESH_GAP = Duration.ofSeconds(30);
    public static final Duration MIN_JWKS_MIN_REFRESH_GAP = Duration.ofMillis(100);
    public static final Duration DEFAULT_PUBLIC_KEY_CACHE_TIME = Duration.ofHours(1);
    public static final Duration MAX_PUBLIC_KEY_CACHE_TIME = Duration.ofDays(30);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;

    public DkeSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(serviceUrl, "serviceUrl");
        issuers = List.copyOf(issuers);
        algorithms = Set.copyOf(algorithms);
        Objects.requireNonNull(clockSkew, "clockSkew");
        Objects.requireNonNull(jwksRefresh, "jwksRefresh");
        Objects.requireNonNull(jwksMinRefreshGap, "jwksMinRefreshGap");
        Objects.requireNonNull(authorizationUrl, "authorizationUrl");
        Objects.requireNonNull(publicKeyCacheTime, "publicKeyCacheTime");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (port < 0 || port > 65535) {
            throw new ConfigException("dke.port: " + port + " is out of range; allowed 0 to 65535");
        }
        requireServiceUrl(serviceUrl);
        if (issuers.isEmpty()) {
            throw new ConfigException("dke.jwt.issuers: required; list the token issuers to accept, e.g. "
                    + "https://sts.windows.net/<tenant id>/");
        }
        if ((jwksFile == null) == (jwksUrl == null)) {
            throw new ConfigException("dke.jwt.jwksFile, dke.jwt.jwksUrl: set exactly one (the issuer's signing keys)");
        }
        if (jwksUrl != null) {
            requireJwksUrl(jwksUrl);
        } else if (jwksCa != null) {
            throw new ConfigException("dke.jwt.jwksCa: set only with dke.jwt.jwksUrl");
        }
        if (algorithms.isEmpty() || !ALLOWED_ALGORITHMS.containsAll(algorithms)) {
            throw new ConfigException("dke.jwt.algorithms: " + algorithms + " is not allowed; choose among "
                    + ALLOWED_ALGORITHMS.stream().sorted().toList() + " (never none, never HMAC)");
        }
        if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new ConfigException("dke.jwt.clockSkew: must be between 0 and " + MAX_CLOCK_SKEW + ", got " + clockSkew);
        }
        if (jwksMinRefreshGap.compareTo(MIN_JWKS_MIN_REFRESH_GAP) < 0 || jwksRefresh.compareTo(jwksMinRefreshGap) <= 0) {
            throw new ConfigException("dke.jwt.jwksMinRefreshGap: must be at least " + MIN_JWKS_MIN_REFRESH_GAP
                    + " and shorter than dke.jwt.jwksRefresh (" + jwksRefresh + "), got " + jwksMinRefreshGap);
        }
        if (!"https".equals(authorizationUrl.getScheme())) {
            throw new ConfigException("dke.jwt.authorizationUrl: must be an https URL, got " + authorizationUrl);
        }
        if (publicKeyCacheTime.isNegative() || publicKeyCacheTime.compareTo(MAX_PUBLIC_KEY_CACHE_TIME) > 0) {
            throw new ConfigException("dke.publicKeyCacheTime: must be between 0 and " + MAX_PUBLIC_KEY_CACHE_TIME
                    + ", got " + publicKeyCacheTime);
        }
        if (requestTimeout.compareTo(Duration.ofMillis(50)) < 0 || requestTimeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new ConfigException("dke.requestTimeout: must be between 50 ms and 1 minute, got " + requestTimeout);
        }
        if (maxInFlight < 1) {
            throw new ConfigException("dke.maxInFlight: must be at least 1");
        }
    }

    /** The service URL as the {@code kid} and the audience use it: no trailing slash. */
    public String serviceUrlText() {
        return serviceUrl.toString();
    }

    private static void requireServiceUrl(URI url) {
        String problem = null;
        if (!"https".equals(url.getScheme()) || url.getHost() == null) {
            problem = "must be an https URL with a host name";
        } else if (url.getRawPath() != null && !url.getRawPath().isEmpty()) {
            problem = "must have no path, not even '/': Office clients call <serviceUrl>/<key name> at the root";
        } else if (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
            problem = "must have no query, fragment or user information";
        } else if (!url.getHost().equals(url.getHost().toLowerCase(Locale.ROOT))) {
            problem = "must have its host name in lower case (it is compared with the tokens' audience)";
        }
        if (problem != null) {
            throw new ConfigException("dke.serviceUrl: " + problem + ", got " + url + " (e.g. https://dke.example.eu)");
        }
    }

    private static void requireJwksUrl(URI url) {
        boolean https = "https".equals(url.getScheme());
        boolean loopbackHttp = "http".equals(url.getScheme()) && url.getHost() != null
                && (url.getHost().equals("127.0.0.1") || url.getHost().equals("localhost") || url.getHost().equals("[::1]"));
        if (!(https || loopbackHttp) || url.getHost() == null) {
            throw new ConfigException("dke.jwt.jwksUrl: must be an https URL (http only on a loopback address), got " + url);
        }
    }
}
