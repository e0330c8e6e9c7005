package coffre.kms.server.grpc.keys;

import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyVersionMetadata;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyState;
import coffre.kms.v1.KeyVersion;
import coffre.kms.v1.KeyVersionState;
import coffre.kms.v1.ProtectionLevel;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Maps domain key metadata to the API's {@link Key} message. */
final class KeyMessages {
    private KeyMessages() {
    }

    static Key toProto(KeyMetadata meta) {
        Key.Builder key = Key.newBuilder()
                .setId(meta.id().value())
                .setDescription(meta.description())
                .putAllLabels(meta.labels())
                .setState(KeyState.valueOf(meta.state().name()))
                .setProtectionLevel(ProtectionLevel.HSM)
                .setPrimaryVersion(meta.primaryVersion())
                .setCreateTime(timestamp(meta.createdAt()))
                .setUpdateTime(timestamp(meta.updatedAt()))
                .setAccessPolicy(SignedDocumentCodec.toProto(meta.accessPolicy()))
                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(meta.requireUnwrapApproval()))
                .setKeySpec(SignedDocumentCodec.toProto(meta.spec()))
                .setKeyUsage(SignedDocumentCodec.toProto(meta.usage()));
        if (meta.alias() != null) {
            key.setAlias(meta.alias().value());
        }
        if (meta.deletionTime() != null) {
            key.setDeletionTime(timestamp(meta.deletionTime()));
        }
        if (meta.destroyTime() != null) {
            key.setDestroyTime(timestamp(meta.destroyTime()));
        }
        for (KeyVersionMetadata version : meta.versions()) {
            KeyVersion.Builder shown = KeyVersion.newBuilder();
            if (version.publicKey() != null) {
                shown.setPublicKeyDer(ByteString.copyFrom(version.publicKey().der()));
            }
            key.addVersions(shown
                    .setVersion(version.version())
                    .setState(switch (version.state()) {
                        case ENABLED -> KeyVersionState.KEY_VERSION_ENABLED;
                        case DESTROYED -> KeyVersionState.KEY_VERSION_DESTROYED;
                    })
                    .setCreateTime(timestamp(version.createdAt())));
        }
        return key.build();
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
