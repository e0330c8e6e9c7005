package coffre.kms.server.telemetry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code coffre_tls_certificate_expiry_timestamp_seconds{listener}}: when the certificate chain a
 * listener serves stops being valid, so that an alert fires weeks before clients start failing.
 * Read once from the configured PEM files when bound (the listeners read them once at start too;
 * a new certificate takes a restart, which binds again). The time is the earliest {@code notAfter}
 * of the file's chain: an intermediate that expires breaks the handshake as surely as the leaf.
 */
public final class TlsMeters {
    private static final Logger LOG = System.getLogger(TlsMeters.class.getName());

    private TlsMeters() {
    }

    /**
     * One gauge per listener ({@code grpc}, {@code xks}, {@code dke}, {@code metrics}) whose
     * certificate file can be read; a file that cannot is logged and left out (the listener itself
     * refuses to start with it).
     */
    public static void bind(MeterRegistry registry, Map<String, Path> certificates) {
        certificates.forEach((listener, file) -> expiry(file).ifPresentOrElse(
                notAfter -> Gauge.builder("coffre.tls.certificate.expiry.timestamp.seconds", () -> notAfter)
                        .description("when the listener's certificate chain expires (Unix seconds, earliest notAfter)")
                        .tag("listener", listener).baseUnit("seconds").strongReference(true).register(registry),
                () -> LOG.log(Level.WARNING, "no certificate expiry metric for the {0} listener: cannot read {1}",
                        listener, file)));
    }

    /** The certificate file of each TLS listener {@code config} sets up, by listener name. */
    public static Map<String, Path> certificates(coffre.kms.server.config.ServerConfig config) {
        Map<String, Path> files = new java.util.LinkedHashMap<>();
        files.put("grpc", config.tls().certificate());
        if (config.xks() != null) {
            files.put("xks", config.xks().certificate());
        }
        if (config.dke() != null) {
            files.put("dke", config.dke().certificate());
        }
        if (config.telemetry().metrics().tls() != null) {
            files.put("metrics", config.telemetry().metrics().tls().certificate());
        }
        return files;
    }

    /** The earliest {@code notAfter} of the certificates in a PEM file, in Unix seconds; empty if none can be read. */
    static Optional<Long> expiry(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            Instant earliest = null;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                Instant notAfter = ((X509Certificate) certificate).getNotAfter().toInstant();
                if (earliest == null || notAfter.isBefore(earliest)) {
                    earliest = notAfter;
                }
            }
            return Optional.ofNullable(earliest).map(Instant::getEpochSecond);
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            return Optional.empty();
        }
    }
}
