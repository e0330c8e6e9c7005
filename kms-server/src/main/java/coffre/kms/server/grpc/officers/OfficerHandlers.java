package coffre.kms.server.grpc.officers;

import coffre.kms.server.approval.Quorum;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.AddOfficerOperation;
import coffre.kms.v1.AddOfficerResponse;
import coffre.kms.v1.ListOfficersResponse;
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
                        (caller, r) -> quorum.status()),
                new Unary<>(OfficerServiceGrpc.getInitCeremonyMethod(), Operation.INIT_CEREMONY,
                        (caller, r) -> quorum.initCeremony(r)),
                new Unary<>(OfficerServiceGrpc.getListOfficersMethod(), Operation.LIST_OFFICERS,
                        (caller, r) -> ListOfficersResponse.newBuilder().addAllOfficers(quorum.officers())
                                .setRule(quorum.rule()).build()),
                new Unary<>(OfficerServiceGrpc.getAddOfficerMethod(), Operation.ADD_OFFICER,
                        (caller, r) -> {
                            quorum.requireInitialized();
                            return AddOfficerResponse.newBuilder().setApprovalRequest(quorum.submit(
                                    coffre.kms.v1.Operation.newBuilder().setAddOfficer(
                                            AddOfficerOperation.newBuilder().setOfficer(r.getOfficer())).build(),
                                    caller)).build();
                        }),
                new Unary<>(OfficerServiceGrpc.getRemoveOfficerMethod(), Operation.REMOVE_OFFICER,
                        (caller, r) -> RemoveOfficerResponse.newBuilder().setApprovalRequest(quorum.submit(
                                coffre.kms.v1.Operation.newBuilder().setRemoveOfficer(officer(r.getOfficerId())).build(),
                                caller)).build()),
                new Unary<>(OfficerServiceGrpc.getReinstateOfficerMethod(), Operation.REINSTATE_OFFICER,
                        (caller, r) -> ReinstateOfficerResponse.newBuilder().setApprovalRequest(quorum.submit(
                                coffre.kms.v1.Operation.newBuilder().setReinstateOfficer(officer(r.getOfficerId())).build(),
                                caller)).build()),
                new Unary<>(OfficerServiceGrpc.getSetQuorumRuleMethod(), Operation.SET_QUORUM_RULE,
                        (caller, r) -> SetQuorumRuleResponse.newBuilder().setApprovalRequest(quorum.submit(
                                coffre.kms.v1.Operation.newBuilder().setSetQuorumRule(r.getRule()).build(),
                                caller)).build()),
                new Unary<>(OfficerServiceGrpc.getSuspendOfficerMethod(), Operation.SUSPEND_OFFICER,
                        (caller, r) -> {
                            if (!r.hasSignature()) {
                                throw KmsException.missing("signature");
                            }
                            return SuspendOfficerResponse.newBuilder()
                                    .setOfficer(quorum.suspend(officer(r.getOfficerId()).getOfficerId(), r.getSignature()))
                                    .build();
                        }));
    }

    private static OfficerOperation officer(String id) {
        if (id.isEmpty()) {
            throw KmsException.missing("officer_id");
        }
        return OfficerOperation.newBuilder().setOfficerId(id).build();
    }
}
