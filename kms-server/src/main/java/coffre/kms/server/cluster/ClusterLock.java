package coffre.kms.server.cluster;

import coffre.kms.server.domain.StoreException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A named lock held by at most one node of a deployment at a time, for the rare actions that must
 * happen once across all of them: today, creating the HSM objects that every node shares under one
 * label (the audit checkpoint key, the health key). Without it, nodes starting together on a fresh
 * token each find no such object and each create one, and two objects then answer to one label.
 *
 * <p>Implementations: {@link #LOCAL} for a single node (the embedded store admits one process);
 * a PostgreSQL advisory lock for clusters. A lock is released when its action returns or throws,
 * and when its holder dies (the database ends its session).
 */
public interface ClusterLock {

    /**
     * Runs {@code action} while holding the lock {@code name}, waiting for it if another node holds it.
     *
     * @throws StoreException if the lock cannot be taken (database unreachable, or held by
     *                              another node for longer than the implementation waits); the
     *                              action has not run then
     */
    <T> T holding(String name, Supplier<T> action);

    /** One process: a lock per name in this JVM. */
    ClusterLock LOCAL = new ClusterLock() {
        private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

        @Override
        public <T> T holding(String name, Supplier<T> action) {
            ReentrantLock lock = locks.computeIfAbsent(name, n -> new ReentrantLock());
            lock.lock();
            try {
                return action.get();
            } finally {
                lock.unlock();
            }
        }
    };
}
