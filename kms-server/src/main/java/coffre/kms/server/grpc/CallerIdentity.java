package coffre.kms.server.grpc;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.PrincipalNames;
import io.vertx.core.http.HttpConnection;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
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
                        return canonical(uri);
                    }
                }
            }
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && !rdn.getValue().toString().isBlank()) {
                    return canonical(rdn.getValue().toString());
                }
            }
        } catch (CertificateParsingException | InvalidNameException e) {
            throw unauthenticated();
        }
        throw unauthenticated();
    }

    /**
     * Refuses a certificate whose name is not in its canonical form (see {@link PrincipalNames}),
     * rather than letting one identity reach policies and quorum checks under two spellings.
     */
    private static Principal canonical(String name) {
        Optional<String> problem = PrincipalNames.problem(name);
        if (problem.isPresent()) {
            throw new KmsException(ErrorReason.UNAUTHENTICATED_PRINCIPAL, "the client certificate's principal "
                    + problem.get() + "; its issuer must use the canonical form");
        }
        return new Principal(name);
    }

    private static KmsException unauthenticated() {
        return new KmsException(ErrorReason.UNAUTHENTICATED_PRINCIPAL,
                "a client certificate with a URI subject alternative name or a common name is required");
    }
}
