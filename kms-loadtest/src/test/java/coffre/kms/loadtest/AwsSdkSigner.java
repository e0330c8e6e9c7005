package coffre.kms.loadtest;

import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The AWS SDK's own SigV4 signer ({@link AwsV4HttpSigner}), set up as AWS KMS's requests to a
 * proxy are signed: the independent reference the load tool's {@link XksSigner} must agree with,
 * header for header, and a second signer whose requests the server's verifier must accept.
 */
final class AwsSdkSigner {
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final XksEndpoint endpoint;
    private final AwsCredentialsIdentity identity;
    private final String region;
    private final Clock clock;

    AwsSdkSigner(XksEndpoint endpoint, String accessKeyId, String secret, String region, Clock clock) {
        this.endpoint = endpoint;
        this.identity = AwsCredentialsIdentity.create(accessKeyId, secret);
        this.region = region;
        this.clock = clock;
    }

    /** The headers the SDK adds to a POST of {@code body} to {@code path}, names lower-case, without host. */
    Map<String, String> sign(String path, byte[] body) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(URI.create("https://" + endpoint.authority() + path))
                .putHeader("Host", endpoint.authority())
                .putHeader("Content-Type", XksSigner.CONTENT_TYPE)
                .build();
        SignedRequest signed = signer.sign(r -> r
                .identity(identity)
                .request(request)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, XksSigner.SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock));
        Map<String, String> headers = new LinkedHashMap<>();
        signed.request().forEachHeader((name, values) -> {
            if (!"host".equalsIgnoreCase(name)) {
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values));
            }
        });
        return headers;
    }
}
