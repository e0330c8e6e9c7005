package coffre.kms.server.domain;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a caller says about the request it relays, for secondary authorization: AWS KMS sends it
 * with every XKS call ({@code requestMetadata}: who called KMS, through which service and VPC, for
 * which KMS operation). A call that has none (every gRPC call) passes no {@code RequestMetadata}
 * at all, never an empty one, so that a policy rule with conditions can tell the two apart.
 * Values are the caller's text as received (null when absent), never interpreted here.
 *
 * @param awsPrincipalArn the AWS principal that called KMS (an ARN, a service principal, "AWS Internal")
 * @param kmsOperation    the KMS API that led to the call (e.g. {@code GenerateDataKey})
 * @param kmsViaService   the AWS service that called KMS for the customer (e.g. {@code ebs}), if any
 * @param awsSourceVpc    the VPC the KMS call came from, if through a VPC endpoint
 * @param awsSourceVpce   the VPC endpoint the KMS call came through, if any
 */
public record RequestMetadata(String awsPrincipalArn, String kmsOperation, String kmsViaService, String awsSourceVpc,
                              String awsSourceVpce) {

    /** The attributes a policy condition may test, by the names policies write them with. */
    public enum Attribute {
        AWS_PRINCIPAL_ARN("aws_principal_arn"),
        KMS_OPERATION("kms_operation"),
        KMS_VIA_SERVICE("kms_via_service"),
        AWS_SOURCE_VPC("aws_source_vpc"),
        AWS_SOURCE_VPCE("aws_source_vpce");

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

    /** The value of {@code attribute}, or null when the request did not carry it. */
    public String value(Attribute attribute) {
        return switch (attribute) {
            case AWS_PRINCIPAL_ARN -> awsPrincipalArn;
            case KMS_OPERATION -> kmsOperation;
            case KMS_VIA_SERVICE -> kmsViaService;
            case AWS_SOURCE_VPC -> awsSourceVpc;
            case AWS_SOURCE_VPCE -> awsSourceVpce;
        };
    }
}
