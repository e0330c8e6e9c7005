package coffre.kms.loadtest;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Signs XKS requests with AWS Signature Version 4 (service {@value #SERVICE}), client side, with the
 * AWS SDK's own signer ({@link AwsV4HttpSigner}): the load tool then shares no signing code with the
 * server's verifier, so a run also checks that a standard signer's requests are accepted.
 *
 * <p>Signed: {@code content-type}, {@code host} (the endpoint's {@link XksEndpoint#authority()},
 * which the client must send as it is) and {@code x-amz-date}, as curl's {@code --aws-sigv4} does,
 * over the exact body bytes; this SDK also adds and signs {@code x-amz-content-sha256} (the body's
 * SHA-256, which the spec does not name and the verifier checks against the body). {@link #sign}
 * returns every header to send except {@code Host}, which the HTTP client sends itself.
 *
 * <p>Thread-safe: one signer per run, called from any thread.
 */
final class XksSigner {
    static final String SERVICE = "kms-xks-proxy";
    static final String CONTENT_TYPE = "application/json";

    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final XksEndpoint endpoint;
    private final AwsCredentialsIdentity identity;
    private final String region;
    private final Clock clock;
    private final String scheme;

    XksSigner(XksEndpoint endpoint, SigV4Credential credential, String region, Clock clock) {
        this.endpoint = endpoint;
        this.identity = AwsCredentialsIdentity.create(credential.accessKeyId(), credential.secret());
        this.region = region;
        this.clock = clock;
        this.scheme = "https://" + endpoint.authority();
    }

    /**
     * The headers of one signed POST of {@code body} to {@code path}: {@code Content-Type},
     * {@code x-amz-content-sha256}, {@code X-Amz-Date} and {@code Authorization} (names as the SDK
     * writes them), without {@code Host}.
     */
    List<Map.Entry<String, String>> sign(String path, byte[] body) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(URI.create(scheme + path))
                .putHeader("Host", endpoint.authority())
                .putHeader("Content-Type", CONTENT_TYPE)
                .build();
        SignedRequest signed = signer.sign(r -> r
                .identity(identity)
                .request(request)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock));
        List<Map.Entry<String, String>> headers = new ArrayList<>(4);
        signed.request().forEachHeader((name, values) -> {
            if (!"host".equalsIgnoreCase(name)) {
                for (String value : values) {
                    headers.add(Map.entry(name, value));
                }
            }
        });
        return headers;
    }
}
