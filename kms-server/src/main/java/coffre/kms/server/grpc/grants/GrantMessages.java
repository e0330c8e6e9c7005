package coffre.kms.server.grpc.grants;

import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.v1.Grant;

/** Maps a domain grant to the API's {@link Grant} message; its terms are the signed {@code GrantSpec}. */
final class GrantMessages {
    private GrantMessages() {
    }

    static Grant toProto(GrantRecord grant) {
        Grant.Builder proto = Grant.newBuilder()
                .setId(grant.id())
                .setSpec(SignedDocumentCodec.grantSpec(grant))
                .setCreateTime(SignedDocumentCodec.timestamp(grant.createdAt()))
                .setRevoked(grant.isRevoked());
        if (grant.isRevoked()) {
            proto.setRevokeTime(SignedDocumentCodec.timestamp(grant.revokedAt()));
        }
        return proto.build();
    }
}
