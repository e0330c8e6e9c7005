package coffre.kms.server.grpc;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import io.vertx.core.http.HttpConnection;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Reads the caller's principal from its verified TLS client certificate: the first URI subject
 * alternative name (e.g. {@code spiffe://cloud.example/ns/billing/sa/api}), else the subject's
 * common name. The TLS layer has already checked the chain against the configured client CA.
 */
public final class CallerIdentity {
    private static final int SAN_URI = 6;

    private CallerIdentity() {
    }

    /** @throws KmsException {@link ErrorReason#UNAUTHENTICATED_PRINCIPAL} without a usable certificate */
    public static Principal of(HttpConnection connection) {
        List<Certificate> chain;
        try {
            chain = connection.peerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            throw unauthenticated();
        }
        if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
            throw unauthenticated();
        }
        return principalOf(leaf);
    }

    static Principal principalOf(X509Certificate leaf) {
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(SAN_URI).equals(san.get(0)) && san.get(1) instanceof String uri
                            && !uri.isBlank()) {
                        return new Principal(uri);
                    }
                }
            }
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && !rdn.getValue().toString().isBlank()) {
                    return new Principal(rdn.getValue().toString());
                }
            }
        } catch (CertificateParsingException | InvalidNameException e) {
            throw unauthenticated();
        }
        throw unauthenticated();
    }

    private static KmsException unauthenticated() {
        return new KmsException(ErrorReason.UNAUTHENTICATED_PRINCIPAL,
                "a client certificate with a URI subject alternative name or a common name is required");
    }
}
