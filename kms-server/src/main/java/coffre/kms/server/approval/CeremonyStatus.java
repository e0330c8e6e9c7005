package coffre.kms.server.approval;

import java.util.Optional;

/**
 * Whether the init ceremony happened and, if so, the rule in force and how many officers are
 * active: what anyone may ask before trusting a server with officers' votes.
 */
public record CeremonyStatus(Optional<QuorumRule> rule, int activeOfficers) {

    public static CeremonyStatus notInitialized() {
        return new CeremonyStatus(Optional.empty(), 0);
    }

    public static CeremonyStatus initialized(QuorumRule rule, int activeOfficers) {
        return new CeremonyStatus(Optional.of(rule), activeOfficers);
    }

    public boolean isInitialized() {
        return rule.isPresent();
    }
}
