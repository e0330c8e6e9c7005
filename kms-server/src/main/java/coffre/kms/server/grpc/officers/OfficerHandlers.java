package coffre.kms.server.grpc.officers;

import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.approval.Quorum;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.grpc.OfficerSignatures;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.AddOfficerOperation;
import coffre.kms.v1.AddOfficerResponse;
import coffre.kms.v1.OfficerOperation;
import coffre.kms.v1.OfficerServiceGrpc;
import coffre.kms.v1.ReinstateOfficerResponse;
import coffre.kms.v1.RemoveOfficerResponse;
import coffre.kms.v1.SetQuorumRuleResponse;
import coffre.kms.v1.SuspendOfficerResponse;
import java.util.List;

/**
 * {@code OfficerService}: the init ceremony, the officer set and the rule. Changes that widen
 * (add, reinstate) or weaken the quorum (remove, new rule) are approval requests; suspending an
 * officer narrows and acts at once on one officer's signature.
 */
public final class OfficerHandlers {
    private OfficerHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(Quorum quorum) {
        return List.of(
                new Unary<>(OfficerServiceGrpc.getGetCeremonyStatusMethod(), Operation.CEREMONY_STATUS,
                        (caller, r) -> OfficerMessages.status(quorum.status())),
                new Unary<>(OfficerServiceGrpc.getInitCeremonyMethod(), Operation.INIT_CEREMONY,
                        (caller, r) -> OfficerMessages.ceremonyDone(quorum.initCeremony(OfficerMessages.ceremony(r)))),
                new Unary<>(OfficerServiceGrpc.getListOfficersMethod(), Operation.LIST_OFFICERS,
                        (caller, r) -> OfficerMessages.officers(quorum.officers(), quorum.rule())),
                new Unary<>(OfficerServiceGrpc.getAddOfficerMethod(), Operation.ADD_OFFICER,
                        (caller, r) -> {
                            quorum.requireInitialized();
                            return AddOfficerResponse.newBuilder().setApprovalRequest(QuorumMessages.request(quorum.submit(
                                    coffre.kms.v1.Operation.newBuilder().setAddOfficer(
                                            AddOfficerOperation.newBuilder().setOfficer(r.getOfficer())).build(),
                                    caller))).build();
                        }),
                new Unary<>(OfficerServiceGrpc.getRemoveOfficerMethod(), Operation.REMOVE_OFFICER,
                        (caller, r) -> RemoveOfficerResponse.newBuilder().setApprovalRequest(QuorumMessages.request(
                                quorum.submit(coffre.kms.v1.Operation.newBuilder()
                                        .setRemoveOfficer(officer(r.getOfficerId())).build(), caller))).build()),
                new Unary<>(OfficerServiceGrpc.getReinstateOfficerMethod(), Operation.REINSTATE_OFFICER,
                        (caller, r) -> ReinstateOfficerResponse.newBuilder().setApprovalRequest(QuorumMessages.request(
                                quorum.submit(coffre.kms.v1.Operation.newBuilder()
                                        .setReinstateOfficer(officer(r.getOfficerId())).build(), caller))).build()),
                new Unary<>(OfficerServiceGrpc.getSetQuorumRuleMethod(), Operation.SET_QUORUM_RULE,
                        (caller, r) -> SetQuorumRuleResponse.newBuilder().setApprovalRequest(QuorumMessages.request(
                                quorum.submit(coffre.kms.v1.Operation.newBuilder().setSetQuorumRule(r.getRule()).build(),
                                        caller))).build()),
                new Unary<>(OfficerServiceGrpc.getSuspendOfficerMethod(), Operation.SUSPEND_OFFICER,
                        (caller, r) -> {
                            OfficerSignature signature = OfficerSignatures.required(r.hasSignature(), r.getSignature());
                            return SuspendOfficerResponse.newBuilder().setOfficer(QuorumMessages.officer(
                                    quorum.suspend(officer(r.getOfficerId()).getOfficerId(), signature))).build();
                        }));
    }

    private static OfficerOperation officer(String id) {
        if (id.isEmpty()) {
            throw KmsException.missing("officer_id");
        }
        return OfficerOperation.newBuilder().setOfficerId(id).build();
    }
}
