package coffre.kms.server.keystores;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link ExternalKeyStoreRepository} in maps, keeping the port's contract (conflicts, the bound
 * on active credentials, pending-only deletes), counting reads so tests can tell the hot path
 * never reads it. Tests also write into it directly, as another node of a cluster would.
 */
final class InMemoryKeyStoreRepository implements ExternalKeyStoreRepository {
    final Map<String, ExternalKeyStore> stores = new LinkedHashMap<>();
    final Map<String, XksCredential> credentials = new LinkedHashMap<>();
    final Map<String, ExternalKeyMapping> mappings = new LinkedHashMap<>();
    int reads;
    RuntimeException failNextWrite;
    RuntimeException failNextRead;

    @Override
    public synchronized List<KeyStoreSnapshot> loadAll() {
        reads++;
        Set<String> ids = new LinkedHashSet<>(stores.keySet());
        credentials.values().forEach(c -> ids.add(c.keyStoreId()));
        mappings.values().forEach(m -> ids.add(m.keyStoreId()));
        List<KeyStoreSnapshot> all = new ArrayList<>();
        for (String id : ids) {
            all.add(snapshot(id));
        }
        return all;
    }

    @Override
    public synchronized KeyStoreSnapshot load(String keyStoreId) {
        reads++;
        if (failNextRead != null) {
            RuntimeException failure = failNextRead;
            failNextRead = null;
            throw failure;
        }
        return snapshot(keyStoreId);
    }

    private KeyStoreSnapshot snapshot(String id) {
        return new KeyStoreSnapshot(id, Optional.ofNullable(stores.get(id)),
                credentials.values().stream().filter(c -> c.keyStoreId().equals(id)).toList(),
                mappings.values().stream().filter(m -> m.keyStoreId().equals(id)).toList());
    }

    @Override
    public synchronized void insertCredential(XksCredential credential) {
        failIfAsked();
        credentials.put(credential.accessKeyId(), credential);
    }

    @Override
    public synchronized Activation insertStore(ExternalKeyStore store, String accessKeyId) {
        failIfAsked();
        for (ExternalKeyStore other : stores.values()) {
            if (other.id().equals(store.id())) {
                throw new ConflictException("key_store_id");
            }
            if (other.name().equals(store.name())) {
                throw new ConflictException("name");
            }
            if (other.uriPath().equals(store.uriPath())) {
                throw new ConflictException("uri_path");
            }
        }
        XksCredential credential = credentials.get(accessKeyId);
        if (credential == null || !credential.keyStoreId().equals(store.id())
                || credential.state() != XksCredential.State.PENDING) {
            return Activation.NOT_PENDING;
        }
        stores.put(store.id(), store);
        credentials.put(accessKeyId, credential.withState(XksCredential.State.ACTIVE));
        return Activation.ACTIVATED;
    }

    @Override
    public synchronized Activation activateCredential(String keyStoreId, String accessKeyId, int maxActive) {
        failIfAsked();
        XksCredential credential = credentials.get(accessKeyId);
        if (!stores.containsKey(keyStoreId) || credential == null || !credential.keyStoreId().equals(keyStoreId)
                || credential.state() != XksCredential.State.PENDING) {
            return Activation.NOT_PENDING;
        }
        long active = credentials.values().stream().filter(c -> c.keyStoreId().equals(keyStoreId)
                && c.state() == XksCredential.State.ACTIVE).count();
        if (active >= maxActive) {
            return Activation.LIMIT_REACHED;
        }
        credentials.put(accessKeyId, credential.withState(XksCredential.State.ACTIVE));
        return Activation.ACTIVATED;
    }

    @Override
    public synchronized boolean revokeCredential(String keyStoreId, String accessKeyId) {
        failIfAsked();
        XksCredential credential = credentials.get(accessKeyId);
        if (credential == null || !credential.keyStoreId().equals(keyStoreId)
                || credential.state() == XksCredential.State.REVOKED) {
            return false;
        }
        credentials.put(accessKeyId, credential.withState(XksCredential.State.REVOKED));
        return true;
    }

    @Override
    public synchronized boolean deletePendingCredential(String keyStoreId, String accessKeyId) {
        failIfAsked();
        XksCredential credential = credentials.get(accessKeyId);
        if (credential == null || !credential.keyStoreId().equals(keyStoreId)
                || credential.state() != XksCredential.State.PENDING) {
            return false;
        }
        credentials.remove(accessKeyId);
        return true;
    }

    @Override
    public synchronized boolean updateStoreState(String keyStoreId, ExternalKeyStore.State state) {
        failIfAsked();
        ExternalKeyStore store = stores.get(keyStoreId);
        if (store == null || store.state() == state) {
            return false;
        }
        stores.put(keyStoreId, store.withState(state));
        return true;
    }

    @Override
    public synchronized void insertMapping(ExternalKeyMapping mapping) {
        failIfAsked();
        String key = mapping.keyStoreId() + "/" + mapping.externalKeyId();
        if (!stores.containsKey(mapping.keyStoreId())) {
            throw new IllegalStateException("no store " + mapping.keyStoreId());
        }
        if (mappings.containsKey(key)) {
            throw new ConflictException("external_key_id");
        }
        mappings.put(key, mapping);
    }

    @Override
    public synchronized boolean deleteMapping(String keyStoreId, String externalKeyId) {
        failIfAsked();
        return mappings.remove(keyStoreId + "/" + externalKeyId) != null;
    }

    private void failIfAsked() {
        RuntimeException failure = failNextWrite;
        if (failure != null) {
            failNextWrite = null;
            throw failure;
        }
    }
}
