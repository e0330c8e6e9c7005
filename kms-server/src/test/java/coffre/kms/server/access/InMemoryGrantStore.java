package coffre.kms.server.access;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link GrantStore} in a map, counting reads so tests can tell the hot path never reads it. */
final class InMemoryGrantStore implements GrantStore {
    final Map<String, GrantRecord> rows = new LinkedHashMap<>();
    int loads;
    RuntimeException failNextWrite;

    @Override
    public synchronized void insert(GrantRecord grant) {
        failIfAsked();
        rows.put(grant.id(), grant);
    }

    @Override
    public synchronized boolean markRevoked(String grantId, Instant revokedAt) {
        failIfAsked();
        GrantRecord row = rows.get(grantId);
        if (row == null || row.isRevoked()) {
            return false;
        }
        rows.put(grantId, row.revokedAt(revokedAt));
        return true;
    }

    @Override
    public synchronized java.util.Optional<GrantRecord> find(String grantId) {
        loads++;
        return java.util.Optional.ofNullable(rows.get(grantId));
    }

    @Override
    public synchronized List<GrantRecord> loadAll() {
        loads++;
        return new ArrayList<>(rows.values());
    }

    private void failIfAsked() {
        RuntimeException failure = failNextWrite;
        failNextWrite = null;
        if (failure != null) {
            throw failure;
        }
    }
}
