package coffre.kms.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A client's TLS material that follows its PEM files on disk: short-lived certificates (SPIFFE
 * SVIDs rotate hourly) are replaced in place by an agent, and a long-lived service must present the
 * new one without a restart. Each TLS handshake (new connections only; established ones keep their
 * session) looks at the files' modification time, size and identity, and reloads them when one
 * changed; a file caught half-written, or bad, is not taken: the previous material stays in use
 * and the failure is logged (paths and reason only) until a good file appears.
 *
 * <p>Why not grpc-util's {@code AdvancedTlsX509KeyManager}: it polls on a thread of its own and
 * never more often than once a minute; looking at handshake time needs no thread and sees a
 * rotation at the first new connection after it.
 */
final class ReloadingTlsMaterial {

    private static final System.Logger LOG = System.getLogger(ReloadingTlsMaterial.class.getName());
    private static final String ALIAS = "coffre-client";
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    /** PKCS#8 keys name their algorithm inside; trying the usual ones is simpler than parsing the DER. */
    private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "Ed25519", "Ed448");

    private final Path caCert;
    private final Path cert;
    private final Path key;
    private Material current;
    private List<Object> stamps;

    /** What one load of the three files gave. */
    private record Material(X509Certificate[] chain, PrivateKey privateKey, X509ExtendedTrustManager trust) {
    }

    /**
     * Loads the files once.
     *
     * @throws GeneralSecurityException or {@link IOException} if they cannot be loaded
     */
    ReloadingTlsMaterial(Path caCert, Path cert, Path key) throws GeneralSecurityException, IOException {
        this.caCert = Objects.requireNonNull(caCert, "caCert");
        this.cert = Objects.requireNonNull(cert, "cert");
        this.key = Objects.requireNonNull(key, "key");
        this.stamps = stamps();
        this.current = load();
    }

    /** The key manager presenting the current certificate. */
    X509ExtendedKeyManager keyManager() {
        return new KeyManager();
    }

    /** The trust manager trusting the current CA bundle (host names are checked by its JDK delegate). */
    X509ExtendedTrustManager trustManager() {
        return new Trust();
    }

    /** The material to use now, reloaded first if a file changed since the last look. */
    synchronized Material current() {
        List<Object> now;
        try {
            now = stamps();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot look at the TLS files (" + cert + ", " + key + ", " + caCert
                    + "), keeping the loaded ones: " + e.getMessage());
            return current;
        }
        if (!now.equals(stamps)) {
            try {
                current = load();
                stamps = now;
                LOG.log(System.Logger.Level.INFO, "reloaded the TLS material from " + cert + ", " + key + ", " + caCert);
            } catch (GeneralSecurityException | IOException | RuntimeException e) {
                // Not remembered as seen: a file caught half-written is looked at again next time.
                LOG.log(System.Logger.Level.WARNING, "cannot reload the TLS material (" + cert + ", " + key + ", "
                        + caCert + "), keeping the loaded one: " + e.getMessage());
            }
        }
        return current;
    }

    private List<Object> stamps() throws IOException {
        List<Object> stamps = new ArrayList<>();
        for (Path file : List.of(caCert, cert, key)) {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            stamps.add(attributes.lastModifiedTime());
            stamps.add(attributes.size());
            stamps.add(String.valueOf(attributes.fileKey()));
        }
        return stamps;
    }

    private Material load() throws GeneralSecurityException, IOException {
        X509Certificate[] chain = certificates(cert).toArray(new X509Certificate[0]);
        if (chain.length == 0) {
            throw new CertificateException("no certificate in " + cert);
        }
        PrivateKey privateKey = privateKey(key);
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        anchors.load(null, null);
        int i = 0;
        for (X509Certificate ca : certificates(caCert)) {
            anchors.setCertificateEntry("ca-" + i++, ca);
        }
        if (i == 0) {
            throw new CertificateException("no certificate in " + caCert);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(anchors);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager trust) {
                return new Material(chain, privateKey, trust);
            }
        }
        throw new GeneralSecurityException("the JDK gave no X509ExtendedTrustManager");
    }

    private static List<X509Certificate> certificates(Path file) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
            return certificates;
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        Matcher pem = PRIVATE_KEY.matcher(Files.readString(file, StandardCharsets.US_ASCII));
        if (!pem.find()) {
            throw new GeneralSecurityException("no unencrypted PKCS#8 private key (BEGIN PRIVATE KEY) in " + file);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.group(1)));
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // Not this algorithm; the next one.
            }
        }
        throw new GeneralSecurityException("the private key in " + file + " is not EC, RSA, Ed25519 or Ed448");
    }

    /** Presents the current certificate; one alias, since a client has one identity. */
    private final class KeyManager extends X509ExtendedKeyManager {
        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {ALIAS};
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return current().chain().clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return current().privateKey();
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    /** Delegates to the JDK's trust manager over the current CA bundle. */
    private final class Trust extends X509ExtendedTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            current().trust().checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            current().trust().checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current().trust().checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a Coffre client does not accept clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a Coffre client does not accept clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a Coffre client does not accept clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return current().trust().getAcceptedIssuers();
        }
    }
}
