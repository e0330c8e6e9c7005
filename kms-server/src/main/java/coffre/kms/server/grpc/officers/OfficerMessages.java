package coffre.kms.server.grpc.officers;

import coffre.kms.server.approval.CeremonyStatus;
import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.approval.OfficerSet;
import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.approval.QuorumRule;
import coffre.kms.server.approval.SignedCeremony;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.v1.GetCeremonyStatusResponse;
import coffre.kms.v1.InitCeremonyRequest;
import coffre.kms.v1.InitCeremonyResponse;
import coffre.kms.v1.ListOfficersResponse;
import java.util.List;

/** {@code OfficerService}'s messages to and from the approval engine's types. */
public final class OfficerMessages {
    private OfficerMessages() {
    }

    public static SignedCeremony ceremony(InitCeremonyRequest request) {
        return new SignedCeremony(request.getDocument().toByteArray(), request.getSignaturesList().stream()
                .map(s -> new OfficerSignature(s.getOfficerId(), null, s.getSignature().toByteArray())).toList());
    }

    public static InitCeremonyResponse ceremonyDone(OfficerSet set) {
        return InitCeremonyResponse.newBuilder()
                .addAllOfficers(set.officers().stream().map(QuorumMessages::officer).toList())
                .setRule(QuorumMessages.rule(set.rule()))
                .build();
    }

    public static GetCeremonyStatusResponse status(CeremonyStatus status) {
        GetCeremonyStatusResponse.Builder response = GetCeremonyStatusResponse.newBuilder()
                .setInitialized(status.isInitialized());
        status.rule().ifPresent(rule -> response.setRule(QuorumMessages.rule(rule))
                .setActiveOfficers(status.activeOfficers()));
        return response.build();
    }

    public static ListOfficersResponse officers(List<OfficerRecord> officers, QuorumRule rule) {
        return ListOfficersResponse.newBuilder()
                .addAllOfficers(officers.stream().map(QuorumMessages::officer).toList())
                .setRule(QuorumMessages.rule(rule))
                .build();
    }
}
