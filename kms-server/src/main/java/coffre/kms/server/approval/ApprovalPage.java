package coffre.kms.server.approval;

import java.util.List;
import java.util.Objects;

/**
 * One page of approval requests, oldest first.
 *
 * @param nextPageToken what asks for the next page, or empty on the last page
 */
public record ApprovalPage(List<Approval> requests, String nextPageToken) {
    public ApprovalPage {
        requests = List.copyOf(requests);
        Objects.requireNonNull(nextPageToken, "nextPageToken");
    }
}
