package coffre.kms.server.dke;

import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;

/**
 * The user a validated bearer token names, as the domain sees it: the {@link Principal}
 * {@code dke:<user>} a key's policy names, where the user is the token's {@code upn}, else its
 * {@code email}, else its {@code oid} (upn and email in lower case), and the claims policy
 * conditions test ({@link RequestMetadata#ofClaims}).
 *
 * @param principal the policy's name of the caller
 * @param claims    {@code tid}, {@code upn}, {@code email}, {@code groups}, {@code roles}
 * @param objectId  the token's {@code oid} (for the audit), or null
 */
public record DkeCaller(Principal principal, RequestMetadata claims, String objectId) {
    /** The prefix of a DKE user's principal name. */
    public static final String PRINCIPAL_PREFIX = "dke:";

    /** The user's name without the prefix (for the audit). */
    public String user() {
        return principal.name().substring(PRINCIPAL_PREFIX.length());
    }
}
