package coffre.kms.server.xks;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * An independent SigV4 signer for the tests: the AWS SDK's {@link AwsV4HttpSigner} (test scope
 * only), so {@link SigV4Verifier} is checked against an implementation it shares no code with.
 * Turns the signed request into the {@link SigV4Request} a listener would build from the wire,
 * adding {@code Host} as an HTTP client would if the SDK left it implicit.
 */
final class AwsSdkSigner {
    static final String ACCESS_KEY_ID = "AKIAI2SFODNN7EXAMPLE";
    static final String SECRET = "FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE";

    private final String accessKeyId;
    private final String secret;
    private final String region;
    private final String service;
    private final Instant time;
    private boolean payloadSigningHeader;

    AwsSdkSigner(String accessKeyId, String secret, String region, String service, Instant time) {
        this.accessKeyId = accessKeyId;
        this.secret = secret;
        this.region = region;
        this.service = service;
        this.time = time;
    }

    /** The key store's own credentials, region us-east-1, service kms-xks-proxy. */
    static AwsSdkSigner standard(Instant time) {
        return new AwsSdkSigner(ACCESS_KEY_ID, SECRET, "us-east-1", SigV4Verifier.SERVICE, time);
    }

    /** Also signs {@code x-amz-content-sha256}, as S3-style signers do. */
    AwsSdkSigner withContentSha256Header() {
        payloadSigningHeader = true;
        return this;
    }

    SigV4Request sign(String url, byte[] body) {
        return sign(url, Map.of("Content-Type", List.of("application/json")), body);
    }

    SigV4Request sign(String url, Map<String, List<String>> extraHeaders, byte[] body) {
        URI uri = URI.create(url);
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri);
        extraHeaders.forEach(http::putHeader);
        if (payloadSigningHeader) {
            http.putHeader("x-amz-content-sha256", "required");
        }
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(accessKeyId, secret))
                .request(http.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(time, ZoneOffset.UTC)));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        signed.request().forEachHeader((name, values) -> headers.put(name, new ArrayList<>(values)));
        if (headers.keySet().stream().noneMatch("host"::equalsIgnoreCase)) {
            int port = uri.getPort();
            headers.put("Host", List.of(port < 0 || port == 443 ? uri.getHost() : uri.getHost() + ":" + port));
        }
        return new SigV4Request("POST", uri.getRawPath(), headers, body);
    }
}
