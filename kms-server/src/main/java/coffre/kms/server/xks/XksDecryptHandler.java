package coffre.kms.server.xks;

import coffre.kms.server.crypto.ExternalKeyCrypto;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;

/**
 * {@code POST .../keys/{externalKeyId}/decrypt}: in the spec's order, the key, the states, the
 * key's policy for this request and this store, the sizes and form of the ciphertext, then
 * AES-256-GCM decryption in the HSM under the key version its {@link XksCiphertextMetadata}
 * names (so ciphertexts made before a rotation still decrypt). Every ciphertext that does not
 * open — wrong AAD, metadata, IV, tag or ciphertext, unknown or disabled version — is the one
 * InvalidCiphertextException. The plaintext leaves in a body that is zeroed once written.
 */
final class XksDecryptHandler implements XksHandler {
    private final ExternalKeyStoreDirectory directory;
    private final ExternalKeyCrypto crypto;

    XksDecryptHandler(ExternalKeyStoreDirectory directory, ExternalKeyCrypto crypto) {
        this.directory = directory;
        this.crypto = crypto;
    }

    @Override
    public XksReply handle(XksCall call) {
        XksDecryptRequest request = XksRequests.parseDecrypt(call.body());
        call.audit().metadata(request.requestMetadata());
        KeyId keyId = call.mappedKey(directory);
        call.audit().key(keyId, 0);
        call.requireStoreEnabled();
        ExternalKeyCrypto.Authorization authorization = crypto.authorize(call.principal(), keyId,
                DataOperation.UNWRAP, request.requestMetadata().forPolicy());
        XksEncryptHandler.refuse(call, authorization.refusal());
        XksCiphertextMetadata metadata = XksAesGcm.checkDecrypt(request);
        call.audit().key(keyId, metadata.keyVersion());
        SecretBytes plaintext = crypto.decrypt(authorization, metadata.keyVersion(), request.initializationVector(),
                XksAesGcm.gcmAad(request.additionalAuthenticatedData(), request.ciphertextMetadata()),
                request.ciphertextAndTag());
        try (XksDecryptResponse response = new XksDecryptResponse(plaintext)) {
            return XksReply.secret(response.toJson());
        }
    }
}
