package coffre.kms.server.dke;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import coffre.kms.server.net.PemTrust;

/**
 * Where the token issuer's signing keys (a JWK set) come from: a file or an https URL, behind
 * Nimbus's caching, rate-limited source. The set is read again when it is older than
 * {@code refresh}, and at once when a token names a key ({@code kid}) the set lacks (the
 * issuer rotated its keys), but never more than twice per {@code minRefreshGap}: tokens with
 * forged {@code kid}s cannot make the node hammer the issuer (or re-read the file) on every call.
 */
final class JwksSources {
    /** A JWK set is a few kilobytes; Entra ID's is under 10 KB. */
    static final int MAX_JWKS_BYTES = 512 * 1024;
    private static final int HTTP_TIMEOUT_MILLIS = 5_000;

    private JwksSources() {
    }

    /** Keys read from {@code file}, re-read as described above (replace the file to rotate). */
    static JWKSource<SecurityContext> fromFile(Path file, Duration refresh, Duration minRefreshGap) {
        return cached(url(file.toUri()), new FileRetriever(file), refresh, minRefreshGap);
    }

    /**
     * Keys fetched from {@code url} (https; http only on loopback, which the settings check).
     *
     * @param caBundle the CA certificates (PEM) to trust instead of the JDK's; null for the JDK's
     */
    static JWKSource<SecurityContext> fromUrl(URI url, Path caBundle, Duration refresh, Duration minRefreshGap) {
        SSLSocketFactory sockets = caBundle == null ? null : sockets(caBundle);
        ResourceRetriever retriever = new DefaultResourceRetriever(HTTP_TIMEOUT_MILLIS, HTTP_TIMEOUT_MILLIS,
                MAX_JWKS_BYTES, true, sockets);
        return cached(url(url), retriever, refresh, minRefreshGap);
    }

    private static JWKSource<SecurityContext> cached(URL url, ResourceRetriever retriever, Duration refresh,
                                                     Duration minRefreshGap) {
        return JWKSourceBuilder.<SecurityContext>create(url, retriever)
                .cache(refresh.toMillis(), HTTP_TIMEOUT_MILLIS * 3L)
                .rateLimited(minRefreshGap.toMillis())
                .refreshAheadCache(false)
                .retrying(false)
                .build();
    }

    private static SSLSocketFactory sockets(Path caBundle) {
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {PemTrust.of(caBundle, "dke.jwt.jwksCa")}, null);
            return tls.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("dke.jwt.jwksCa: cannot make a TLS context: " + e.getMessage(), e);
        }
    }

    private static URL url(URI uri) {
        try {
            return uri.toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("not a URL: " + uri, e);
        }
    }

    /** Reads the JWK set file at each refresh, bounded in size. */
    private record FileRetriever(Path file) implements ResourceRetriever {
        @Override
        public Resource retrieveResource(URL ignored) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                byte[] bytes = in.readNBytes(MAX_JWKS_BYTES + 1);
                if (bytes.length > MAX_JWKS_BYTES) {
                    throw new IOException("the JWK set file " + file + " is larger than " + MAX_JWKS_BYTES + " bytes");
                }
                return new Resource(new String(bytes, StandardCharsets.UTF_8), "application/json");
            }
        }
    }
}
