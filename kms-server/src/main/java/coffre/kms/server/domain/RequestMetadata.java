package coffre.kms.server.domain;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a caller says about the request it relays, for secondary authorization: AWS KMS sends it
 * with every XKS call ({@code requestMetadata}: who called KMS, through which service and VPC, for
 * which KMS operation); the DKE edge takes it from the claims of the user's validated Entra ID
 * token (tenant, user, groups, roles). A call that has none (every gRPC call) passes no
 * {@code RequestMetadata} at all, never an empty one, so that a policy rule with conditions can
 * tell the two apart. Values are the caller's text as received (null or empty when absent), never
 * interpreted here; a multi-valued attribute ({@code groups}, {@code roles}) holds each value.
 *
 * @param awsPrincipalArn the AWS principal that called KMS (an ARN, a service principal, "AWS Internal")
 * @param kmsOperation    the KMS API that led to the call (e.g. {@code GenerateDataKey})
 * @param kmsViaService   the AWS service that called KMS for the customer (e.g. {@code ebs}), if any
 * @param awsSourceVpc    the VPC the KMS call came from, if through a VPC endpoint
 * @param awsSourceVpce   the VPC endpoint the KMS call came through, if any
 * @param tenantId        the token's {@code tid}: the Entra ID tenant of the user
 * @param upn             the token's {@code upn}, in lower case (the DKE edge lowers it)
 * @param email           the token's {@code email}, in lower case
 * @param groups          the token's {@code groups} (object ids of the user's groups); never null
 * @param roles           the token's {@code roles} (app roles given to the user); never null
 */
public record RequestMetadata(String awsPrincipalArn, String kmsOperation, String kmsViaService, String awsSourceVpc,
                              String awsSourceVpce, String tenantId, String upn, String email, List<String> groups,
                              List<String> roles) {

    public RequestMetadata {
        groups = groups == null ? List.of() : List.copyOf(groups);
        roles = roles == null ? List.of() : List.copyOf(roles);
    }

    /** The metadata of an XKS call (no token claims). */
    public RequestMetadata(String awsPrincipalArn, String kmsOperation, String kmsViaService, String awsSourceVpc,
                           String awsSourceVpce) {
        this(awsPrincipalArn, kmsOperation, kmsViaService, awsSourceVpc, awsSourceVpce, null, null, null, null, null);
    }

    /** The metadata of a call authenticated by a bearer token (the DKE edge): its claims only. */
    public static RequestMetadata ofClaims(String tenantId, String upn, String email, List<String> groups,
                                           List<String> roles) {
        return new RequestMetadata(null, null, null, null, null, tenantId, upn, email, groups, roles);
    }

    /** The attributes a policy condition may test, by the names policies write them with. */
    public enum Attribute {
        AWS_PRINCIPAL_ARN("aws_principal_arn"),
        KMS_OPERATION("kms_operation"),
        KMS_VIA_SERVICE("kms_via_service"),
        AWS_SOURCE_VPC("aws_source_vpc"),
        AWS_SOURCE_VPCE("aws_source_vpce"),
        /** Token claims (DKE): named as the claims are in an Entra ID token. */
        TID("tid"),
        UPN("upn"),
        EMAIL("email"),
        GROUPS("groups"),
        ROLES("roles");

        /** For error messages: every attribute name, comma-separated. */
        public static final String NAMES = Arrays.stream(values()).map(Attribute::wireName)
                .collect(Collectors.joining(", "));

        private final String wireName;

        Attribute(String wireName) {
            this.wireName = wireName;
        }

        /** The name a policy writes, e.g. {@code aws_principal_arn}. */
        public String wireName() {
            return wireName;
        }

        /**
         * Whether the edge lowers the value before policies see it ({@code upn}, {@code email}: Entra
         * ID treats them case-insensitively), so a condition on it must be written in lower case.
         */
        public boolean lowerCase() {
            return this == UPN || this == EMAIL;
        }

        /** The attribute written {@code name} exactly; empty for anything else (null included). */
        public static Optional<Attribute> named(String name) {
            for (Attribute a : values()) {
                if (a.wireName.equals(name)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    /** The value of a single-valued {@code attribute}, or null when the request did not carry it. */
    public String value(Attribute attribute) {
        return switch (attribute) {
            case AWS_PRINCIPAL_ARN -> awsPrincipalArn;
            case KMS_OPERATION -> kmsOperation;
            case KMS_VIA_SERVICE -> kmsViaService;
            case AWS_SOURCE_VPC -> awsSourceVpc;
            case AWS_SOURCE_VPCE -> awsSourceVpce;
            case TID -> tenantId;
            case UPN -> upn;
            case EMAIL -> email;
            case GROUPS, ROLES -> throw new IllegalArgumentException(attribute.wireName() + " has several values: "
                    + "use values()");
        };
    }

    /** Every value of {@code attribute} the request carries (empty when none): a condition holds if one matches. */
    public List<String> values(Attribute attribute) {
        return switch (attribute) {
            case GROUPS -> groups;
            case ROLES -> roles;
            default -> {
                String value = value(attribute);
                yield value == null ? List.of() : List.of(value);
            }
        };
    }
}
