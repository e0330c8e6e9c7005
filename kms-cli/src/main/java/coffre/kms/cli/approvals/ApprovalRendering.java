package coffre.kms.cli.approvals;

import coffre.kms.cli.output.LabelledBlock;
import coffre.kms.cli.output.OperationDescriber;
import coffre.kms.cli.output.Printable;
import coffre.kms.cli.output.TextTable;
import coffre.kms.cli.output.Times;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ApprovalVote;
import coffre.kms.v1.Officer;
import java.util.List;
import java.util.Optional;

/**
 * Human renderings of approval requests. The operation is always the CLI's own description of the
 * decoded bytes ({@link ReviewedRequest}); the server's summary is shown apart, labelled as the
 * server's.
 */
public final class ApprovalRendering {

    private static final int LABEL_WIDTH = 11;

    private ApprovalRendering() {
    }

    /** What a command that asked for a change prints: the request it created and what to do next. */
    public static String created(ReviewedRequest reviewed) {
        ApprovalRequest request = reviewed.request();
        LabelledBlock block = new LabelledBlock(LABEL_WIDTH)
                .text("Approval request created: nothing changes until officers approve it.\n")
                .field("ID", request.getId())
                .field("Operation", reviewed.description())
                .field("Digest", digestLine(reviewed))
                .field("State", request.getState().name())
                .field("Rule", OperationDescriber.rule(request.getRule()))
                .field("Expires", Times.format(request.getExpireTime()));
        if (request.getState() == ApprovalState.PENDING) {
            block.text("needs approval: coffre approvals show " + Printable.clean(request.getId()) + "\n");
        } else {
            outcome(block, request);
        }
        return block.render();
    }

    /**
     * Every detail of one request, with its votes.
     *
     * @param officers the registered officers, to say from which operator approvals are still
     *     needed; empty if they could not be listed
     */
    public static String details(ReviewedRequest reviewed, Optional<List<Officer>> officers) {
        ApprovalRequest request = reviewed.request();
        LabelledBlock block = new LabelledBlock(LABEL_WIDTH)
                .field("ID", request.getId())
                .field("State", request.getState().name())
                .field("Operation", reviewed.description())
                .field("Digest", digestLine(reviewed))
                .field("Requester", orDash(request.getRequester()))
                .field("Created", Times.format(request.getCreateTime()))
                .field("Expires", Times.format(request.getExpireTime()))
                .field("Rule", OperationDescriber.rule(request.getRule()))
                .field("Approvals", QuorumProgress.describe(request, officers));
        outcome(block, request);
        if (!request.getSummary().isEmpty()) {
            block.field("Server says", request.getSummary() + " (informational; not what is signed)");
        }
        block.text("Votes:\n");
        if (request.getVotesCount() == 0) {
            block.indented("(none)");
        } else {
            TextTable votes = new TextTable("OFFICER", "DECISION", "SIGNED", "COUNTED");
            for (ApprovalVote vote : request.getVotesList()) {
                votes.row(vote.getOfficerId(), vote.getDecision().name(), Times.format(vote.getSignedTime()),
                        vote.getCounted() ? "yes" : "no (officer no longer active)");
            }
            block.indented(votes.render());
        }
        return block.render();
    }

    /** One row per request: ID, STATE, APPROVALS, EXPIRES, REQUESTER, OPERATION. */
    public static String table(List<ReviewedRequest> requests) {
        TextTable table = new TextTable("ID", "STATE", "APPROVALS", "EXPIRES", "REQUESTER", "OPERATION");
        for (ReviewedRequest reviewed : requests) {
            ApprovalRequest request = reviewed.request();
            table.row(request.getId(), request.getState().name(), progress(reviewed), Times.format(request.getExpireTime()),
                    orDash(request.getRequester()), reviewed.description());
        }
        return table.render();
    }

    /** One line for {@code approvals watch}: time of the event, id, state, approvals, operation. */
    public static String event(ReviewedRequest reviewed) {
        ApprovalRequest request = reviewed.request();
        String time = Times.format(request.hasCloseTime() ? request.getCloseTime() : request.getCreateTime());
        return Printable.clean(String.format("%s  %s  %-8s  %s  %s", time, request.getId(), request.getState().name(),
                progress(reviewed), reviewed.description())) + "\n";
    }

    /**
     * Counted approvals over the threshold, e.g. "1/2", for tables and one-line events; a closed
     * request with more approvals than needed reads "3 (2 needed)", not "3/2".
     */
    static String progress(ReviewedRequest reviewed) {
        int approvals = reviewed.countedApprovals();
        String threshold = Integer.toUnsignedString(reviewed.request().getRule().getThreshold());
        return approvals > reviewed.request().getRule().getThreshold()
                ? approvals + " (" + threshold + " needed)"
                : approvals + "/" + threshold;
    }

    /** The outcome lines of a closed request: result or failure, and when it closed. */
    static void outcome(LabelledBlock block, ApprovalRequest request) {
        switch (request.getState()) {
            case EXECUTED -> block.field("Result", orDash(request.getResult()));
            case FAILED -> block.field("Failure", request.getFailureReason()
                    + (request.getFailureMessage().isEmpty() ? "" : ": " + request.getFailureMessage()));
            default -> {
                // PENDING has no outcome yet; REJECTED and EXPIRED say it all in their state.
            }
        }
        if (request.hasCloseTime()) {
            block.field("Closed", Times.format(request.getCloseTime()));
        }
    }

    private static String digestLine(ReviewedRequest reviewed) {
        return reviewed.digestMatches()
                ? reviewed.digestHex() + " (recomputed by coffre; matches the server's)"
                : ReviewedRequest.hex(reviewed.request().getDigest().toByteArray())
                        + " (DOES NOT MATCH the operation bytes, whose SHA-256 is " + reviewed.digestHex() + ")";
    }

    private static String orDash(String value) {
        return value.isEmpty() ? "-" : value;
    }
}
