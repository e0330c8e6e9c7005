package coffre.kms.server.keystores;

import java.util.Optional;
import java.util.function.Consumer;

/** What the XKS edge asks on every call: answered from memory, kept in step across the cluster. */
public interface ExternalKeyStoreDirectory {
    /** The key store serving exactly this uriPath (enabled or not); empty if none. */
    Optional<ExternalKeyStore> byUriPath(String uriPath);
    /** The mapping of externalKeyId within the store; empty if none. */
    Optional<ExternalKeyMapping> mapping(String keyStoreId, String externalKeyId);
    /**
     * HMAC-SHA256("AWS4"+secret, yyyymmdd), computed in the HSM, if accessKeyId is an ACTIVE
     * credential of the store; else empty. A fresh array each call (the caller zeroes it).
     */
    Optional<byte[]> dateKey(String keyStoreId, String accessKeyId, String yyyymmdd);
    /** listener.accept(keyStoreId) whenever a store's credentials or state change (drop cached signing keys). */
    void onChange(Consumer<String> listener);
    /** How many stores exist (for health answers and metrics). */
    int size();
}
