package coffre.kms.server.xks;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.ExternalKeyMapping;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStoreDirectory;
import coffre.kms.server.keystores.XksCredential;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The key-store directory of the XKS edge's tests, in memory, keeping the contract of
 * {@link ExternalKeyStoreDirectory}: stores by URI path, mappings, ACTIVE credentials only, a real
 * date key {@code HMAC-SHA256("AWS4"+secret, date)} (computed by the JDK, as the HSM computes
 * it), a fresh array per call, and change notices on every state or credential change. Secrets go
 * into the {@link SecretLedger} so the suite's leak scan looks for them in every log.
 */
public final class InMemoryKeyStores implements ExternalKeyStoreDirectory {
    private final Map<String, ExternalKeyStore> stores = new ConcurrentHashMap<>();
    private final Map<String, Map<String, ExternalKeyMapping>> mappings = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();
    private final Map<String, XksCredential> credentials = new ConcurrentHashMap<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    /** How many date keys were asked for (the verifier caches them per day). */
    public final AtomicInteger dateKeyCalls = new AtomicInteger();
    /** While true, key lookups fail as a directory whose database cannot be reached does. */
    public volatile boolean storeDown;

    /** Adds an enabled store named {@code name} at {@code prefix}/kms/xks/v1 in {@code region}. */
    public ExternalKeyStore addStore(String id, String name, String prefix, String region) {
        ExternalKeyStore store = new ExternalKeyStore(id, name, prefix + XksPaths.API_ROOT, region,
                ExternalKeyStore.State.ENABLED, Instant.now());
        stores.put(id, store);
        return store;
    }

    /** Adds an ACTIVE credential. */
    public void addCredential(String storeId, String accessKeyId, String secret) {
        SecretLedger.record(secret);
        secrets.computeIfAbsent(storeId, id -> new ConcurrentHashMap<>()).put(accessKeyId, secret);
        credentials.put(accessKeyId, new XksCredential(storeId, accessKeyId, XksCredential.State.ACTIVE, Instant.now()));
        changed(storeId);
    }

    /** Revokes a credential: it stops working at once. */
    public void revoke(String storeId, String accessKeyId) {
        secrets.getOrDefault(storeId, Map.of()).remove(accessKeyId);
        credentials.computeIfPresent(accessKeyId, (id, c) -> new XksCredential(c.keyStoreId(), id,
                XksCredential.State.REVOKED, c.createTime()));
        changed(storeId);
    }

    public void map(String storeId, String externalKeyId, String keyId) {
        mappings.computeIfAbsent(storeId, id -> new ConcurrentHashMap<>()).put(externalKeyId,
                new ExternalKeyMapping(storeId, externalKeyId, new KeyId(keyId), Instant.now()));
    }

    public void setState(String storeId, ExternalKeyStore.State state) {
        stores.computeIfPresent(storeId, (id, s) -> new ExternalKeyStore(id, s.name(), s.uriPath(), s.region(), state,
                s.createTime()));
        changed(storeId);
    }

    private void changed(String storeId) {
        listeners.forEach(listener -> listener.accept(storeId));
    }

    @Override
    public Optional<ExternalKeyStore> byUriPath(String uriPath) {
        return stores.values().stream().filter(s -> s.uriPath().equals(uriPath)).findFirst();
    }

    @Override
    public Optional<ExternalKeyMapping> mapping(String keyStoreId, String externalKeyId) {
        if (storeDown) {
            throw new coffre.kms.server.domain.StoreException("the store cannot be reached",
                    new java.sql.SQLException("refused"));
        }
        return Optional.ofNullable(mappings.getOrDefault(keyStoreId, Map.of()).get(externalKeyId));
    }

    @Override
    public Optional<byte[]> dateKey(String keyStoreId, String accessKeyId, String yyyymmdd) {
        dateKeyCalls.incrementAndGet();
        String secret = secrets.getOrDefault(keyStoreId, Map.of()).get(accessKeyId);
        if (secret == null) {
            return Optional.empty();
        }
        return Optional.of(TestDateKeys.hmac(("AWS4" + secret).getBytes(StandardCharsets.US_ASCII), yyyymmdd));
    }

    @Override
    public void onChange(Consumer<String> listener) {
        listeners.add(listener);
    }

    @Override
    public int size() {
        return stores.size();
    }
}
