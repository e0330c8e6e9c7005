package coffre.kms.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The options of {@code --protocol xks} (a picocli mixin of {@link LoadTest}) and their checks,
 * which turn them into {@link Settings}: every bad value is refused before any connection, with a
 * message naming the option (exit code 2), and nothing of the secret is ever printed.
 */
final class XksOptions {
    static final String PREFIX = "--xks-";
    private static final Pattern REGION = Pattern.compile("[a-z]{2,}(-[a-z0-9]+){1,4}");

    @Option(names = "--xks-uri", paramLabel = "URI", description = "XKS mode: the key store's endpoint and path, "
            + "https://HOST[:PORT][/PREFIX]/kms/xks/v1 (AWS KMS's XksProxyUriEndpoint + XksProxyUriPath)")
    String uri;

    @Option(names = "--xks-access-key-id", paramLabel = "ID", description = "XKS mode: the SigV4 access key id "
            + "(20-30 of A-Z 2-7); may come from --xks-secret-file instead")
    String accessKeyId;

    @Option(names = "--xks-secret-file", paramLabel = "FILE", description = "XKS mode: the SigV4 secret access key, "
            + "alone on a line or in the AWS KMS console's XKS proxy configuration file (JSON); mode 600. Never "
            + "given on the command line, never printed")
    Path secretFile;

    @Option(names = "--xks-region", paramLabel = "REGION", description = "XKS mode: the key store's AWS region, "
            + "signed into every request's credential scope, e.g. eu-west-3")
    String region;

    @Option(names = "--xks-key-id", paramLabel = "EXTERNAL_ID", description = "XKS mode: an external key id mapped "
            + "in the key store; repeat for several (not needed for xks-health alone)")
    List<String> keyIds = new ArrayList<>();

    @Option(names = "--xks-http-version", paramLabel = "2|1.1", description = "XKS mode: 2 (default: ALPN offers h2, "
            + "then http/1.1) or 1.1 (http/1.1 only)")
    String httpVersion;

    @Option(names = "--xks-connections", paramLabel = "N", description = "XKS mode: HTTP/2 connections used "
            + "round-robin, each multiplexing its calls (default 1, as --channels for gRPC); with HTTP/1.1 the pool "
            + "size, one call per connection at a time (default 64)")
    Integer connections;

    @Option(names = "--xks-integrity-value", description = "XKS mode: encrypt asks for the "
            + "ciphertextDataIntegrityValue (SHA_256), which makes the proxy decrypt each ciphertext as a check")
    boolean integrityValue;

    /**
     * The checked settings of an XKS run.
     *
     * @param caCert      CA bundle for the listener's certificate; null: the JDK's trusted CAs
     * @param cert        client certificate when the listener asks for mTLS, else null (and key null)
     * @param keyIds      the external key ids, possibly empty when the mix is xks-health only
     */
    record Settings(XksEndpoint endpoint, SigV4Credential credential, String region, List<String> keyIds,
                    boolean http2, int connections, boolean integrityValue, Path caCert, Path cert, Path key) {
    }

    /**
     * Checks every XKS option against the mix and the TLS files, and reads the secret file.
     *
     * @throws IllegalArgumentException naming the option and what is wrong
     */
    Settings settings(OperationMix mix, Path caCert, Path cert, Path key) throws IOException {
        if (uri == null) {
            throw new IllegalArgumentException("--protocol xks needs --xks-uri https://HOST[:PORT][/PREFIX]/kms/xks/v1");
        }
        XksEndpoint endpoint = XksEndpoint.parse(uri);
        if (region == null || !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException(region == null ? "--protocol xks needs --xks-region (the key store's "
                    + "AWS region, e.g. eu-west-3)" : "--xks-region '" + region + "' is not an AWS region name "
                    + "(e.g. eu-west-3, us-east-1)");
        }
        List<String> ids = List.copyOf(new LinkedHashSet<>(keyIds));
        ids.forEach(endpoint::checkExternalKeyId);
        boolean needsKey = mix.operations().stream().anyMatch(op -> op != Operation.XKS_HEALTH);
        if (needsKey && ids.isEmpty()) {
            throw new IllegalArgumentException("--op " + mix + " needs at least one --xks-key-id (an external key "
                    + "id mapped in the key store)");
        }
        boolean http2 = httpVersion == null || httpVersion.equals("2");
        if (!http2 && !httpVersion.equals("1.1")) {
            throw new IllegalArgumentException("--xks-http-version must be 2 or 1.1, got '" + httpVersion + "'");
        }
        int pool = connections != null ? connections : http2 ? 1 : 64;
        if (pool < 1) {
            throw new IllegalArgumentException("--xks-connections must be at least 1");
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("mTLS to the XKS listener needs both --cert and --key (or neither)");
        }
        for (Path file : Arrays.asList(caCert, cert, key)) {
            if (file != null && !Files.isReadable(file)) {
                throw new IllegalArgumentException("cannot read " + file + ": " + (Files.exists(file) ? "not readable"
                        : "no such file"));
            }
        }
        return new Settings(endpoint, credential(endpoint), region, ids, http2, pool, integrityValue, caCert, cert,
                key);
    }

    private SigV4Credential credential(XksEndpoint endpoint) throws IOException {
        if (secretFile == null) {
            throw new IllegalArgumentException("--protocol xks needs --xks-secret-file FILE (the SigV4 secret; "
                    + "never on the command line)");
        }
        XksSecretFile.Contents contents = XksSecretFile.read(secretFile);
        try {
            String id = accessKeyId != null ? accessKeyId : contents.accessKeyId();
            if (id == null) {
                throw new IllegalArgumentException("--protocol xks needs --xks-access-key-id (or a secret file in the "
                        + "AWS KMS console's format, which holds it)");
            }
            if (contents.accessKeyId() != null && !contents.accessKeyId().equals(id)) {
                throw new IllegalArgumentException("--xks-access-key-id " + id + " is not the access key id of "
                        + "--xks-secret-file " + secretFile + " (" + contents.accessKeyId() + ")");
            }
            if (contents.uriPath() != null && !contents.uriPath().equals(endpoint.uriPath())) {
                throw new IllegalArgumentException("--xks-uri's path " + endpoint.uriPath() + " is not the "
                        + "XksProxyUriPath of --xks-secret-file " + secretFile + " (" + contents.uriPath() + ")");
            }
            try {
                return new SigV4Credential(id, contents.secret());
            } catch (IllegalArgumentException e) {
                String option = e.getMessage().contains("access key id") ? "--xks-access-key-id " + id
                        : "--xks-secret-file " + secretFile;
                throw new IllegalArgumentException(option + ": " + e.getMessage());
            }
        } finally {
            Arrays.fill(contents.secret(), '\0');
        }
    }
}
