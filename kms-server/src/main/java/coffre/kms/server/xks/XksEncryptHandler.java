package coffre.kms.server.xks;

import coffre.kms.server.access.AccessRefusal;
import coffre.kms.server.crypto.ExternalKeyCrypto;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;

/**
 * {@code POST .../keys/{externalKeyId}/encrypt}: in the spec's order, the key (KeyNotFound), the
 * store's and the key's state (InvalidState), the key's policy for this request (AccessDenied) and
 * for this store (InvalidKeyUsage; with an integrity value, decryption too, for the check), the
 * sizes (UnsupportedOperation), then AES-256-GCM in the HSM under the key's primary version, with
 * the gcmAAD that binds the request's AAD and the {@link XksCiphertextMetadata} naming the version.
 * With {@code ciphertextDataIntegrityValueAlgorithm}, the integrity value is computed over the
 * answer's bytes and those same bytes are then decrypted and compared (spec, Appendix C).
 */
final class XksEncryptHandler implements XksHandler {
    private final ExternalKeyStoreDirectory directory;
    private final ExternalKeyCrypto crypto;

    XksEncryptHandler(ExternalKeyStoreDirectory directory, ExternalKeyCrypto crypto) {
        this.directory = directory;
        this.crypto = crypto;
    }

    @Override
    public XksReply handle(XksCall call) {
        try (XksEncryptRequest request = XksRequests.parseEncrypt(call.body())) {
            call.audit().metadata(request.requestMetadata());
            KeyId keyId = call.mappedKey(directory);
            call.audit().key(keyId, 0);
            call.requireStoreEnabled();
            ExternalKeyCrypto.Authorization authorization = crypto.authorize(call.principal(), keyId,
                    DataOperation.WRAP, request.requestMetadata().forPolicy());
            refuse(call, authorization.refusal());
            if (request.integrityValueRequested()) {
                AccessRefusal check = crypto.verificationRefusal(authorization);
                if (check != null) {
                    call.audit().denial(check.cause());
                    throw new XksException(XksError.INVALID_KEY_USAGE, "an integrity value needs a decryption, which "
                            + "the key's policy does not let this key store do");
                }
            }
            XksAesGcm.checkEncrypt(request);
            byte[][] gcmAad = new byte[1][];
            ExternalKeyCrypto.Sealed sealed = crypto.encrypt(authorization, request.plaintext().reveal(),
                    version -> gcmAad[0] = XksAesGcm.gcmAad(request.additionalAuthenticatedData(),
                            new XksCiphertextMetadata(version).encode()));
            call.audit().key(keyId, sealed.keyVersion());
            XksEncryptResponse response = XksAesGcm.encryptResponse(request,
                    new XksCiphertextMetadata(sealed.keyVersion()).encode(), sealed.iv(), sealed.ciphertextAndTag());
            if (request.integrityValueRequested()) {
                // The very arrays the integrity value covers, so the check covers what is sent.
                crypto.verify(authorization, new ExternalKeyCrypto.Sealed(keyId, sealed.keyVersion(),
                        response.initializationVector(), joined(response.ciphertext(), response.authenticationTag())),
                        gcmAad[0], request.plaintext().reveal());
            }
            return XksReply.of(response.toJson());
        }
    }

    static void refuse(XksCall call, AccessRefusal refusal) {
        if (refusal != null) {
            call.audit().denial(refusal.cause());
            throw XksErrors.of(refusal);
        }
    }

    private static byte[] joined(byte[] ciphertext, byte[] tag) {
        byte[] out = new byte[ciphertext.length + tag.length];
        System.arraycopy(ciphertext, 0, out, 0, ciphertext.length);
        System.arraycopy(tag, 0, out, ciphertext.length, tag.length);
        return out;
    }
}
