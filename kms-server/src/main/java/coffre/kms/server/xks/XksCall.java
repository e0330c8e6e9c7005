package coffre.kms.server.xks;

import coffre.kms.server.crypto.ExternalKeyCrypto;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.ExternalKeyMapping;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;

/**
 * One authenticated XKS request as the handlers see it: its route, its key store, the body bytes
 * (the caller zeroes them afterwards) and the audit record to fill in.
 */
record XksCall(XksRoute route, ExternalKeyStore store, byte[] body, XksCallAudit audit) {

    /** The principal the key's policy names this key store by. */
    Principal principal() {
        return ExternalKeyCrypto.storePrincipal(store.name());
    }

    /**
     * The Coffre key the route's external key id is mapped to in this store.
     *
     * @throws XksException {@link XksError#KEY_NOT_FOUND} when the store maps no such id
     */
    KeyId mappedKey(ExternalKeyStoreDirectory directory) {
        ExternalKeyMapping mapping = directory.mapping(store.id(), route.externalKeyId())
                .orElseThrow(() -> new XksException(XksError.KEY_NOT_FOUND, XksError.KEY_NOT_FOUND.defaultMessage()));
        return mapping.keyId();
    }

    /** @throws XksException {@link XksError#INVALID_STATE} when the key store is disabled */
    void requireStoreEnabled() {
        if (store.state() != ExternalKeyStore.State.ENABLED) {
            throw new XksException(XksError.INVALID_STATE, "the key store is disabled");
        }
    }

    @Override
    public String toString() {
        return "XksCall[" + route.operation() + " " + store.id() + ", " + body.length + " body bytes]";
    }
}
