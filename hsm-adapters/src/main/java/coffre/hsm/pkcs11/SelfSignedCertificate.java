package coffre.hsm.pkcs11;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import javax.security.auth.x500.X500Principal;

/**
 * A minimal self-signed X.509 v1 certificate for an EC key held on a token, written in DER by
 * hand: serial, ECDSA-SHA256, subject = issuer, valid from now with no expiry, the public key, and
 * no extension.
 *
 * <p>Why it exists: SunPKCS11's {@code KeyStore} only lists a private key that has a certificate
 * with the same {@code CKA_ID}, and the JCA offers no other way to get a {@code PrivateKey} for a
 * token object; {@link TokenSigningKeys} therefore stores one beside each key it makes. Nothing
 * trusts the certificate: it carries the public key and nothing else. Why by hand: the JDK has no
 * public certificate builder, and these few lines of DER are smaller than a library for them. The
 * signature is made by the key itself, through the token's provider, and checked before return.
 */
final class SelfSignedCertificate {
    /** DER of AlgorithmIdentifier { ecdsa-with-SHA256 (1.2.840.10045.4.3.2) }, no parameters. */
    private static final byte[] ECDSA_SHA256_ALGID = HexFormat.of().parseHex("300a06082a8648ce3d040302");

    private SelfSignedCertificate() {
    }

    /**
     * The certificate of {@code publicKey} for {@code subject}, signed by {@code key} through
     * {@code provider}'s {@code SHA256withECDSA}.
     */
    static X509Certificate sign(X500Principal subject, PublicKey publicKey, PrivateKey key, Provider provider)
            throws GeneralSecurityException {
        byte[] name = subject.getEncoded();
        byte[] serial = new byte[16];
        new SecureRandom().nextBytes(serial);
        serial[0] &= 0x7f;
        serial[0] |= 0x40;
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        byte[] notBefore = tlv(0x17, now.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")).getBytes(StandardCharsets.US_ASCII));
        // RFC 5280 4.1.2.5: 99991231235959Z means "no well-defined expiration date".
        byte[] notAfter = tlv(0x18, "99991231235959Z".getBytes(StandardCharsets.US_ASCII));
        byte[] tbs = tlv(0x30, tlv(0x02, new BigInteger(1, serial).toByteArray()), ECDSA_SHA256_ALGID, name,
                tlv(0x30, notBefore, notAfter), name, publicKey.getEncoded());
        Signature signer = Signature.getInstance("SHA256withECDSA", provider);
        signer.initSign(key);
        signer.update(tbs);
        byte[] signature = signer.sign();
        byte[] bitString = new byte[signature.length + 1];
        System.arraycopy(signature, 0, bitString, 1, signature.length);
        byte[] der = tlv(0x30, tbs, ECDSA_SHA256_ALGID, tlv(0x03, bitString));
        X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        certificate.verify(publicKey);
        return certificate;
    }

    /** One DER tag-length-value; lengths up to 65535 (a certificate of one EC key stays far below). */
    private static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        int length = content.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length & 0xff);
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }
}
