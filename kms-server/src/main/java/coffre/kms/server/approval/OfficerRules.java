package coffre.kms.server.approval;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.PrincipalNames;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalVote;
import coffre.kms.v1.Decision;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.signing.OfficerKeys;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The pure rules of the quorum: what a valid officer record and a meetable rule are, and whether
 * a request's votes satisfy its rule given the officers' current status.
 */
public final class OfficerRules {
    private static final Pattern OFFICER_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    static final int MAX_NAME_CHARS = 128;
    static final int MAX_OFFICERS = 64;

    private OfficerRules() {
    }

    /** @throws KmsException {@link ErrorReason#INVALID_OFFICER} naming what is wrong */
    public static void validate(Officer officer) {
        if (!OFFICER_ID.matcher(officer.getId()).matches()) {
            throw invalid("an officer id is 1-64 characters of [a-z0-9_-], starting with a letter or digit");
        }
        if (officer.getDisplayName().isBlank() || officer.getDisplayName().length() > MAX_NAME_CHARS
                || officer.getDisplayName().chars().anyMatch(Character::isISOControl)) {
            throw invalid("officer " + officer.getId() + ": display_name is 1-" + MAX_NAME_CHARS + " printable characters");
        }
        if (officer.getOperator().isBlank() || officer.getOperator().length() > MAX_NAME_CHARS
                || officer.getOperator().chars().anyMatch(Character::isISOControl)) {
            throw invalid("officer " + officer.getId() + ": operator is 1-" + MAX_NAME_CHARS + " printable characters");
        }
        if (officer.getPrincipal().length() > 512) {
            throw invalid("officer " + officer.getId() + ": principal is at most 512 characters");
        }
        if (!officer.getPrincipal().isEmpty()) {
            PrincipalNames.problem(officer.getPrincipal()).ifPresent(problem -> {
                throw invalid("officer " + officer.getId() + ": principal " + problem);
            });
        }
        try {
            OfficerKeys.publicKey(officer.getPublicKey());
        } catch (IllegalArgumentException e) {
            throw invalid("officer " + officer.getId() + ": " + e.getMessage());
        }
    }

    /** Checks a set of officers as a whole: valid each, unique ids and public keys, not too many. */
    public static void validateSet(Collection<Officer> officers) {
        if (officers.isEmpty() || officers.size() > MAX_OFFICERS) {
            throw invalid("an officer set has 1-" + MAX_OFFICERS + " officers");
        }
        Set<String> ids = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (Officer officer : officers) {
            validate(officer);
            if (!ids.add(officer.getId())) {
                throw new KmsException(ErrorReason.OFFICER_ALREADY_EXISTS, "officer id " + officer.getId() + " appears twice");
            }
            if (!keys.add(OfficerKeys.fingerprint(officer.getPublicKey()))) {
                throw new KmsException(ErrorReason.OFFICER_ALREADY_EXISTS,
                        "officer " + officer.getId() + " has the same public key as another officer");
            }
        }
    }

    /**
     * @throws KmsException {@link ErrorReason#INVALID_QUORUM_RULE} if the active officers could not
     *                      meet the rule
     */
    public static void requireMeetable(QuorumRule rule, Collection<Officer> officers) {
        if (rule.getThreshold() < 1) {
            throw new KmsException(ErrorReason.INVALID_QUORUM_RULE, "the threshold is at least 1");
        }
        Map<String, Integer> activeByOperator = activeByOperator(officers);
        int active = activeByOperator.values().stream().mapToInt(Integer::intValue).sum();
        if (rule.getThreshold() > active) {
            throw new KmsException(ErrorReason.INVALID_QUORUM_RULE, "a threshold of " + rule.getThreshold()
                    + " cannot be met by " + active + " active officer(s)");
        }
        for (Map.Entry<String, Integer> operator : activeByOperator.entrySet()) {
            if (operator.getValue() < rule.getMinPerOperator()) {
                throw new KmsException(ErrorReason.INVALID_QUORUM_RULE, "operator " + operator.getKey() + " has "
                        + operator.getValue() + " active officer(s), fewer than the " + rule.getMinPerOperator()
                        + " required from each operator");
            }
        }
    }

    /**
     * Refuses a set of officers in which two that are not removed hold the same key (in any
     * encoding): the holder of that key would count as two officers. Such a set can only come from
     * a store written before keys were compared by their canonical encoding.
     *
     * @throws KmsException {@link ErrorReason#OFFICER_ALREADY_EXISTS} naming the officers
     */
    public static void requireDistinctKeys(Collection<Officer> officers) {
        Map<String, String> byKey = new HashMap<>();
        for (Officer officer : officers) {
            if (officer.getStatus() == OfficerStatus.OFFICER_REMOVED) {
                continue;
            }
            String fingerprint = OfficerKeys.fingerprint(officer.getPublicKey());
            String other = byKey.putIfAbsent(fingerprint, officer.getId());
            if (other != null) {
                throw new KmsException(ErrorReason.OFFICER_ALREADY_EXISTS, "officers " + other + " and "
                        + officer.getId() + " hold the same public key (fingerprint " + fingerprint
                        + "): one person would count as two officers");
            }
        }
    }

    /**
     * True when the request's approvals satisfy its rule: at least {@code threshold} distinct
     * active officers other than the requester, and at least {@code min_per_operator} from every
     * operator that has an active officer. Officers are told apart by their key as well as their
     * id: two approvals made with one key count once, whatever names it was registered under.
     */
    public static boolean holds(ApprovalRequest request, Map<String, Officer> officers) {
        Map<String, Integer> approvalsByOperator = new HashMap<>();
        Set<String> keys = new HashSet<>();
        int approvals = 0;
        for (ApprovalVote vote : request.getVotesList()) {
            Officer officer = officers.get(vote.getOfficerId());
            if (vote.getDecision() == Decision.APPROVE && counts(officer, request)
                    && keys.add(OfficerKeys.fingerprint(officer.getPublicKey()))) {
                approvals++;
                approvalsByOperator.merge(officer.getOperator(), 1, Integer::sum);
            }
        }
        if (approvals < request.getRule().getThreshold()) {
            return false;
        }
        for (String operator : activeByOperator(officers.values()).keySet()) {
            if (approvalsByOperator.getOrDefault(operator, 0) < request.getRule().getMinPerOperator()) {
                return false;
            }
        }
        return true;
    }

    /** A vote counts while its officer is active and is not the requester. */
    public static boolean counts(Officer officer, ApprovalRequest request) {
        return officer != null && officer.getStatus() == OfficerStatus.OFFICER_ACTIVE
                && !(officer.getPrincipal().equals(request.getRequester()) && !officer.getPrincipal().isEmpty());
    }

    private static Map<String, Integer> activeByOperator(Collection<Officer> officers) {
        Map<String, Integer> counts = new HashMap<>();
        for (Officer officer : officers) {
            if (officer.getStatus() == OfficerStatus.OFFICER_ACTIVE) {
                counts.merge(officer.getOperator(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static KmsException invalid(String message) {
        return new KmsException(ErrorReason.INVALID_OFFICER, message);
    }
}
