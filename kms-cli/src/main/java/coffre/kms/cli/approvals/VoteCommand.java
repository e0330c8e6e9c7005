package coffre.kms.cli.approvals;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.PrefixedId;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.cli.officerkeys.OfficerSigningOptions;
import coffre.kms.cli.output.LabelledBlock;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.Decision;
import coffre.kms.v1.GetApprovalRequestRequest;
import coffre.kms.v1.Officer;
import coffre.kms.v1.VoteResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * Base of {@code approvals approve} and {@code approvals reject}. Fetches the request, recomputes
 * its digest from the operation bytes and decodes them (refusing, exit 71, on a mismatch or an
 * operation it cannot fully read), optionally checks the digest the officer reviewed, then signs
 * the vote statement over the recomputed digest and sends it. The officer's key is decrypted
 * before connecting, so a wrong passphrase costs no round trip.
 */
abstract class VoteCommand extends RpcCommand {

    @Parameters(index = "0", paramLabel = "ID", converter = PrefixedId.ApprovalRequestId.class,
            description = "Approval request id (apr-...).")
    String requestId;

    @Mixin
    OfficerSigningOptions signing;

    @Option(names = "--expect-digest", paramLabel = "HEX", order = 43,
            description = "The digest you reviewed with 'approvals show': refuse to sign if the request's differs.")
    String expectDigest;

    private OfficerSigner signer;

    VoteCommand(CliRuntime runtime) {
        super(runtime);
    }

    /** APPROVE or REJECT. */
    abstract Decision decision();

    @Override
    protected final void prepare() throws IOException {
        if (expectDigest != null) {
            String normalised = expectDigest.strip().toLowerCase(Locale.ROOT);
            if (!normalised.matches("[0-9a-f]{64}")) {
                throw new ParameterException(commandLine(),
                        "Invalid value for option '--expect-digest': expected 64 hexadecimal characters (a SHA-256)");
            }
            expectDigest = normalised;
        }
        signer = signing.load(runtime(), commandLine());
    }

    @Override
    protected final int run(CoffreStubs rpc) {
        ReviewedRequest reviewed = ReviewedRequest.of(rpc.approvals()
                .getApprovalRequest(GetApprovalRequestRequest.newBuilder().setRequestId(requestId).build())
                .getRequest());
        if (!reviewed.signable()) {
            printError("refusing to sign " + reviewed.id() + ": " + reviewed.problem().orElseThrow()
                    + "; nothing was sent. Report it to the server's operators");
            return ExitCodes.REFUSED;
        }
        if (!reviewed.id().equals(requestId)) {
            printError("refusing to sign: asked for " + requestId + " but the server answered with " + reviewed.id());
            return ExitCodes.REFUSED;
        }
        if (expectDigest != null && !expectDigest.equals(reviewed.digestHex())) {
            printError("refusing to sign " + requestId + ": its digest is " + reviewed.digestHex() + ", not the "
                    + expectDigest + " you reviewed; show it again");
            return ExitCodes.REFUSED;
        }
        VoteResponse response = rpc.approvals().vote(signer.vote(requestId, reviewed.digest(), decision(), Instant.now()));
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText(result(reviewed, response.getRequest(), QuorumProgress.officersFor(response.getRequest(), rpc)));
        }
        return ExitCodes.OK;
    }

    private String result(ReviewedRequest reviewed, ApprovalRequest after, Optional<List<Officer>> officers) {
        LabelledBlock block = new LabelledBlock(11)
                .text((decision() == Decision.APPROVE ? "Approved " : "Rejected ") + reviewed.id() + " as officer '"
                        + signer.officerId() + "'.\n")
                .field("Operation", reviewed.description())
                .field("Digest", reviewed.digestHex() + " (recomputed by coffre; signed)")
                .field("State", after.getState().name())
                .field("Approvals", QuorumProgress.describe(after, officers));
        ApprovalRendering.outcome(block, after);
        return block.render();
    }
}
