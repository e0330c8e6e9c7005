package coffre.kms.server.approval;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.PrincipalNames;
import coffre.kms.v1.Decision;
import coffre.kms.v1.signing.OfficerKeys;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
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
    public static void validate(OfficerRecord officer) {
        if (!OFFICER_ID.matcher(officer.id()).matches()) {
            throw invalid("an officer id is 1-64 characters of [a-z0-9_-], starting with a letter or digit");
        }
        if (officer.displayName().isBlank() || officer.displayName().length() > MAX_NAME_CHARS
                || officer.displayName().chars().anyMatch(Character::isISOControl)) {
            throw invalid("officer " + officer.id() + ": display_name is 1-" + MAX_NAME_CHARS + " printable characters");
        }
        if (officer.operator().isBlank() || officer.operator().length() > MAX_NAME_CHARS
                || officer.operator().chars().anyMatch(Character::isISOControl)) {
            throw invalid("officer " + officer.id() + ": operator is 1-" + MAX_NAME_CHARS + " printable characters");
        }
        if (officer.principal().length() > 512) {
            throw invalid("officer " + officer.id() + ": principal is at most 512 characters");
        }
        if (!officer.principal().isEmpty()) {
            PrincipalNames.problem(officer.principal()).ifPresent(problem -> {
                throw invalid("officer " + officer.id() + ": principal " + problem);
            });
        }
        try {
            OfficerKeys.publicKey(officer.publicKey());
        } catch (IllegalArgumentException e) {
            throw invalid("officer " + officer.id() + ": " + e.getMessage());
        }
    }

    /** Checks a set of officers as a whole: valid each, unique ids and public keys, not too many. */
    public static void validateSet(Collection<OfficerRecord> officers) {
        if (officers.isEmpty() || officers.size() > MAX_OFFICERS) {
            throw invalid("an officer set has 1-" + MAX_OFFICERS + " officers");
        }
        Set<String> ids = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (OfficerRecord officer : officers) {
            validate(officer);
            if (!ids.add(officer.id())) {
                throw new KmsException(ErrorReason.OFFICER_ALREADY_EXISTS, "officer id " + officer.id() + " appears twice");
            }
            if (!keys.add(OfficerKeys.fingerprint(officer.publicKey()))) {
                throw new KmsException(ErrorReason.OFFICER_ALREADY_EXISTS,
                        "officer " + officer.id() + " has the same public key as another officer");
            }
        }
    }

    /**
     * @throws KmsException {@link ErrorReason#INVALID_QUORUM_RULE} if the active officers could not
     *                      meet the rule
     */
    public static void requireMeetable(QuorumRule rule, Collection<OfficerRecord> officers) {
        if (rule.threshold() < 1) {
            throw new KmsException(ErrorReason.INVALID_QUORUM_RULE, "the threshold is at least 1");
        }
        Map<String, Integer> activeByOperator = activeByOperator(officers);
        int active = activeByOperator.values().stream().mapToInt(Integer::intValue).sum();
        if (rule.threshold() > active) {
            throw new KmsException(ErrorReason.INVALID_QUORUM_RULE, "a threshold of " + rule.threshold()
                    + " cannot be met by " + active + " active officer(s)");
        }
        for (Map.Entry<String, Integer> operator : activeByOperator.entrySet()) {
            if (operator.getValue() < rule.minPerOperator()) {
                throw new KmsException(ErrorReason.INVALID_QUORUM_RULE, "operator " + operator.getKey() + " has "
                        + operator.getValue() + " active officer(s), fewer than the " + rule.minPerOperator()
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
    public static void requireDistinctKeys(Collection<OfficerRecord> officers) {
        Map<String, String> byKey = new HashMap<>();
        for (OfficerRecord officer : officers) {
            if (officer.status() == OfficerRecord.Status.REMOVED) {
                continue;
            }
            String fingerprint = OfficerKeys.fingerprint(officer.publicKey());
            String other = byKey.putIfAbsent(fingerprint, officer.id());
            if (other != null) {
                throw new KmsException(ErrorReason.OFFICER_ALREADY_EXISTS, "officers " + other + " and "
                        + officer.id() + " hold the same public key (fingerprint " + fingerprint
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
    public static boolean holds(Approval request, Map<String, OfficerRecord> officers) {
        Map<String, Integer> approvalsByOperator = new HashMap<>();
        Set<String> keys = new HashSet<>();
        int approvals = 0;
        for (Approval.Vote vote : request.votes()) {
            OfficerRecord officer = officers.get(vote.officerId());
            if (vote.decision() == Decision.APPROVE && counts(officer, request)
                    && keys.add(OfficerKeys.fingerprint(officer.publicKey()))) {
                approvals++;
                approvalsByOperator.merge(officer.operator(), 1, Integer::sum);
            }
        }
        if (approvals < request.rule().threshold()) {
            return false;
        }
        for (String operator : activeByOperator(officers.values()).keySet()) {
            if (approvalsByOperator.getOrDefault(operator, 0) < request.rule().minPerOperator()) {
                return false;
            }
        }
        return true;
    }

    /** A vote counts while its officer is active and is not the requester. */
    public static boolean counts(OfficerRecord officer, Approval request) {
        return officer != null && officer.isActive()
                && !(officer.principal().equals(request.requester()) && !officer.principal().isEmpty());
    }

    /** The request as shown: each vote marked counted or not by its officer's current status. */
    public static Approval withCounts(Approval request, Map<String, OfficerRecord> officers) {
        List<Approval.Vote> shown = new ArrayList<>();
        for (Approval.Vote vote : request.votes()) {
            shown.add(vote.withCounted(counts(officers.get(vote.officerId()), request)));
        }
        return request.withVotes(shown);
    }

    private static Map<String, Integer> activeByOperator(Collection<OfficerRecord> officers) {
        Map<String, Integer> counts = new HashMap<>();
        for (OfficerRecord officer : officers) {
            if (officer.isActive()) {
                counts.merge(officer.operator(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static KmsException invalid(String message) {
        return new KmsException(ErrorReason.INVALID_OFFICER, message);
    }
}
