package coffre.kms.server.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI for tests, minted at run time (nothing is checked in): a CA, a server
 * certificate for 127.0.0.1/localhost and client certificates with a URI SAN or only a CN.
 * Keys are EC P-256 in PKCS#8 PEM, as Vert.x and Netty expect.
 */
public final class TestPki {
    private final Path dir;
    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate caCert;
    private final SecureRandom random = new SecureRandom();

    private TestPki(Path dir, String name) throws Exception {
        this.dir = dir;
        this.name = name;
        Files.createDirectories(dir);
        this.caKeys = newKeyPair();
        X500Name subject = new X500Name("CN=" + name + " test CA");
        X509v3CertificateBuilder builder = builder(subject, subject, caKeys)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.caCert = sign(builder, caKeys.getPrivate());
        writePem(caFile(), caCert);
    }

    /** A new CA under {@code dir}; {@code name} keeps two CAs apart. */
    public static TestPki create(Path dir, String name) {
        try {
            return new TestPki(dir, name);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test PKI", e);
        }
    }

    public Path caFile() {
        return dir.resolve(name + "-ca.pem");
    }

    /** A TLS server certificate for 127.0.0.1 and localhost. */
    public Issued server(String fileName) {
        return issue(fileName, "CN=coffre-test-server", KeyPurposeId.id_kp_serverAuth,
                new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.dNSName, "localhost")}));
    }

    /** A client certificate whose principal is {@code uri} (a URI SAN). */
    public Issued clientWithUri(String fileName, String uri) {
        return issue(fileName, "CN=" + fileName, KeyPurposeId.id_kp_clientAuth,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
    }

    /** A client certificate with no SAN: its principal is the common name. */
    public Issued clientWithCn(String fileName, String commonName) {
        return issue(fileName, "CN=" + commonName, KeyPurposeId.id_kp_clientAuth, null);
    }

    /** Like {@link #clientWithCn}, but its validity ended yesterday. */
    public Issued expiredClientWithCn(String fileName, String commonName) {
        Instant now = Instant.now();
        return issue(fileName, "CN=" + commonName, KeyPurposeId.id_kp_clientAuth, null,
                now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1)));
    }

    /** Certificate and key files of one issued identity. */
    public record Issued(Path certificate, Path privateKey) {
    }

    private Issued issue(String fileName, String subject, KeyPurposeId purpose, GeneralNames sans) {
        Instant now = Instant.now();
        return issue(fileName, subject, purpose, sans, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)));
    }

    private Issued issue(String fileName, String subject, KeyPurposeId purpose, GeneralNames sans, Instant notBefore,
                         Instant notAfter) {
        try {
            KeyPair keys = newKeyPair();
            X509v3CertificateBuilder builder = builder(new X500Name(caCert.getSubjectX500Principal().getName()),
                    new X500Name(subject), keys, notBefore, notAfter)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            if (sans != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, sans);
            }
            X509Certificate cert = sign(builder, caKeys.getPrivate());
            Issued issued = new Issued(dir.resolve(fileName + ".pem"), dir.resolve(fileName + ".key"));
            writePem(issued.certificate(), cert);
            writePem(issued.privateKey(), keys.getPrivate());
            return issued;
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue test certificate " + fileName, e);
        }
    }

    private X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return builder(issuer, subject, keys, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)));
    }

    private X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys, Instant notBefore,
                                             Instant notAfter) {
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, random), Date.from(notBefore),
                Date.from(notAfter), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static KeyPair newKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** Private keys are written as PKCS#8 ("BEGIN PRIVATE KEY"). */
    private static void writePem(Path file, Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            if (object instanceof PrivateKey key) {
                pem.writeObject(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", key.getEncoded()));
            } else {
                pem.writeObject(object);
            }
        }
        Files.writeString(file, text.toString());
    }
}
