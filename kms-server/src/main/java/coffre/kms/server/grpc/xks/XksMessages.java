package coffre.kms.server.grpc.xks;

import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.keystores.ExternalKeyMapping;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.NewCredential;
import coffre.kms.server.keystores.XksCredential;
import coffre.kms.v1.XksCredentialState;
import coffre.kms.v1.XksKeyMapping;
import coffre.kms.v1.XksKeyStore;
import coffre.kms.v1.XksKeyStoreState;
import coffre.kms.v1.XksSecretCredential;
import java.util.List;

/** {@code XksAdminService}'s messages from the key-store domain's types. */
public final class XksMessages {
    private XksMessages() {
    }

    /** A store with its credentials (their access key ids and states: never a secret, which Coffre does not have). */
    public static XksKeyStore toProto(ExternalKeyStore store, List<XksCredential> credentials) {
        return XksKeyStore.newBuilder()
                .setId(store.id())
                .setName(store.name())
                .setUriPath(store.uriPath())
                .setRegion(store.region())
                .setState(switch (store.state()) {
                    case ENABLED -> XksKeyStoreState.XKS_KEY_STORE_ENABLED;
                    case DISABLED -> XksKeyStoreState.XKS_KEY_STORE_DISABLED;
                })
                .addAllCredentials(credentials.stream().map(XksMessages::toProto).toList())
                .setCreateTime(SignedDocumentCodec.timestamp(store.createTime()))
                .build();
    }

    public static coffre.kms.v1.XksCredential toProto(XksCredential credential) {
        return coffre.kms.v1.XksCredential.newBuilder()
                .setAccessKeyId(credential.accessKeyId())
                .setState(switch (credential.state()) {
                    case PENDING -> XksCredentialState.XKS_CREDENTIAL_PENDING;
                    case ACTIVE -> XksCredentialState.XKS_CREDENTIAL_ACTIVE;
                    case REVOKED -> XksCredentialState.XKS_CREDENTIAL_REVOKED;
                })
                .setCreateTime(SignedDocumentCodec.timestamp(credential.createTime()))
                .build();
    }

    public static XksKeyMapping toProto(ExternalKeyMapping mapping) {
        return XksKeyMapping.newBuilder()
                .setKeyStoreId(mapping.keyStoreId())
                .setExternalKeyId(mapping.externalKeyId())
                .setKeyId(mapping.keyId().value())
                .setCreateTime(SignedDocumentCodec.timestamp(mapping.createTime()))
                .build();
    }

    /**
     * The one answer that carries a secret. A protobuf string cannot be zeroed: the copy made here
     * lives until the answer is written and collected, the {@code char[]} is zeroed by the caller.
     */
    static XksSecretCredential secret(NewCredential credential) {
        return XksSecretCredential.newBuilder()
                .setAccessKeyId(credential.accessKeyId())
                .setRawSecretAccessKey(new String(credential.secret()))
                .setUriPath(credential.uriPath())
                .build();
    }
}
