package coffre.kms.server.xks;

import coffre.kms.server.access.AccessRefusal;
import coffre.kms.server.crypto.ExternalKeyCrypto;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyState;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;

/**
 * {@code POST .../keys/{externalKeyId}/metadata} (GetKeyMetadata): the mapped Coffre key as AWS
 * KMS sees it. Its status is {@code DISABLED} when the key or the key store is disabled (or the
 * key is pending deletion or destroyed), rather than an error, so KMS can show it; its usages are
 * what the key's policy lets the store do. Secondary authorization applies (AccessDenied) when
 * the policy refuses this request both ways while some rule would allow another request.
 */
final class XksKeyMetadataHandler implements XksHandler {
    private final ExternalKeyStoreDirectory directory;
    private final ExternalKeyCrypto crypto;

    XksKeyMetadataHandler(ExternalKeyStoreDirectory directory, ExternalKeyCrypto crypto) {
        this.directory = directory;
        this.crypto = crypto;
    }

    @Override
    public XksReply handle(XksCall call) {
        XksRequestMetadata metadata = XksRequests.parseKeyMetadata(call.body());
        call.audit().metadata(metadata);
        KeyId keyId = call.mappedKey(directory);
        call.audit().key(keyId, 0);
        ExternalKeyCrypto.Description key = crypto.describe(call.principal(), keyId, metadata.forPolicy());
        AccessRefusal encrypt = key.encrypt();
        AccessRefusal decrypt = key.decrypt();
        if (encrypt != null && decrypt != null && (secondary(encrypt) || secondary(decrypt))) {
            call.audit().denial(secondary(encrypt) ? encrypt.cause() : decrypt.cause());
            throw XksErrors.of(secondary(encrypt) ? encrypt : decrypt);
        }
        boolean enabled = call.store().state() == ExternalKeyStore.State.ENABLED && key.state() == KeyState.ENABLED;
        return XksReply.of(new XksKeyMetadataResponse(
                enabled ? XksKeyMetadataResponse.KeyStatus.ENABLED : XksKeyMetadataResponse.KeyStatus.DISABLED,
                usable(encrypt), usable(decrypt)).toJson());
    }

    /** Refused by a DENY rule or unmet conditions: this request, not the key store, is refused. */
    private static boolean secondary(AccessRefusal refusal) {
        return refusal.kind() != AccessRefusal.Kind.NOT_PERMITTED;
    }

    /** The key store may use the key this way, for some request. */
    private static boolean usable(AccessRefusal refusal) {
        return refusal == null || refusal.kind() != AccessRefusal.Kind.NOT_PERMITTED;
    }
}
