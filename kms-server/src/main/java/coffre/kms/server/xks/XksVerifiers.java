package coffre.kms.server.xks;

import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link SigV4Verifier} per key store, made on its first call: its region is the store's, and
 * its date keys come from the directory ({@code HMAC("AWS4"+secret, date)} computed in the HSM).
 * When the directory says a store's credentials or state changed, its verifier is dropped with
 * every signing key it cached, so a revoked credential stops working at once rather than at the
 * end of its day, and a new one is asked for afresh.
 */
final class XksVerifiers {
    private final ExternalKeyStoreDirectory directory;
    private final Clock clock;
    private final Map<String, SigV4Verifier> byStore = new ConcurrentHashMap<>();

    XksVerifiers(ExternalKeyStoreDirectory directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
        directory.onChange(this::forget);
    }

    /** The verifier of {@code store}. */
    SigV4Verifier of(ExternalKeyStore store) {
        return byStore.computeIfAbsent(store.id(), id -> new SigV4Verifier(store.region(),
                (accessKeyId, yyyymmdd) -> directory.dateKey(id, accessKeyId, yyyymmdd), clock));
    }

    private void forget(String keyStoreId) {
        SigV4Verifier verifier = byStore.remove(keyStoreId);
        if (verifier != null) {
            verifier.forgetAll();
        }
    }
}
