package coffre.kms.server.xks;

import coffre.kms.server.domain.RequestMetadata;
import java.util.Map;
import java.util.Set;

/**
 * The {@code requestMetadata} object AWS KMS sends with every XKS call (spec, each operation and
 * Appendix B): who called KMS and why, for logging, the audit and secondary authorization. Values
 * are strings; an absent optional member is null.
 *
 * <p>Required members per operation (missing or empty → {@link XksError#VALIDATION}):
 * {@code kmsOperation} and {@code kmsRequestId} always, health included (the AWS test client
 * expects a ValidationException for {@code {}} and {@code {"requestMetadata":{}}} on health);
 * {@code awsPrincipalArn} for metadata, encrypt and decrypt; {@code kmsKeyArn} for encrypt and
 * decrypt (KMS omits it for CreateKey's metadata call). Nothing else is validated: the spec says
 * a proxy MUST NOT reject an unknown {@code kmsOperation} (a policy may still deny it) and MUST
 * treat {@code kmsRequestId} as opaque. ARNs may have up to {@value #MAX_ARN_CHARS} characters,
 * the most an AWS ARN has; a longer one is not an ARN. Members KMS may add later are ignored.
 *
 * @param awsPrincipalArn an ARN, a service principal ({@code ec2.amazonaws.com}) or {@code AWS Internal}
 * @param awsSourceVpc    present iff the KMS call came through a VPC endpoint
 * @param awsSourceVpce   present iff the KMS call came through a VPC endpoint
 * @param kmsKeyArn       the KMS key backed by the external key
 * @param kmsOperation    the KMS API that led to this call (e.g. {@code GenerateDataKey}), never checked
 * @param kmsRequestId    the KMS request id, to correlate with CloudTrail; opaque
 * @param kmsViaService   present iff an AWS service called KMS for the customer (e.g. {@code ebs})
 */
public record XksRequestMetadata(String awsPrincipalArn, String awsSourceVpc, String awsSourceVpce,
                                 String kmsKeyArn, String kmsOperation, String kmsRequestId,
                                 String kmsViaService) {
    public static final int MAX_ARN_CHARS = 2048;
    /** The members read; any other member of {@code requestMetadata} is skipped. */
    static final Set<String> MEMBERS = Set.of("awsPrincipalArn", "awsSourceVpc", "awsSourceVpce", "kmsKeyArn",
            "kmsOperation", "kmsRequestId", "kmsViaService");

    /**
     * Builds and checks the metadata of one operation.
     *
     * @param members the string members read (a subset of {@link #MEMBERS}); null if the request had
     *                no {@code requestMetadata}
     * @throws XksException {@link XksError#VALIDATION} as described above
     */
    static XksRequestMetadata of(Map<String, String> members, XksOperation operation) {
        if (members == null) {
            throw new XksException(XksError.VALIDATION, "requestMetadata is required");
        }
        XksRequestMetadata metadata = new XksRequestMetadata(members.get("awsPrincipalArn"),
                members.get("awsSourceVpc"), members.get("awsSourceVpce"), members.get("kmsKeyArn"),
                members.get("kmsOperation"), members.get("kmsRequestId"), members.get("kmsViaService"));
        require("kmsOperation", metadata.kmsOperation);
        require("kmsRequestId", metadata.kmsRequestId);
        if (operation != XksOperation.GET_HEALTH_STATUS) {
            require("awsPrincipalArn", metadata.awsPrincipalArn);
        }
        if (operation == XksOperation.ENCRYPT || operation == XksOperation.DECRYPT) {
            require("kmsKeyArn", metadata.kmsKeyArn);
        }
        checkArnLength("awsPrincipalArn", metadata.awsPrincipalArn);
        checkArnLength("kmsKeyArn", metadata.kmsKeyArn);
        return metadata;
    }

    /** What secondary authorization tests: the attributes a key's policy conditions may name. */
    public RequestMetadata forPolicy() {
        return new RequestMetadata(awsPrincipalArn, kmsOperation, kmsViaService, awsSourceVpc, awsSourceVpce);
    }

    private static void require(String member, String value) {
        if (value == null || value.isEmpty()) {
            throw new XksException(XksError.VALIDATION, "requestMetadata." + member + " is required");
        }
    }

    private static void checkArnLength(String member, String value) {
        if (value != null && value.length() > MAX_ARN_CHARS) {
            throw new XksException(XksError.VALIDATION,
                    "requestMetadata." + member + " is longer than " + MAX_ARN_CHARS + " characters");
        }
    }
}
