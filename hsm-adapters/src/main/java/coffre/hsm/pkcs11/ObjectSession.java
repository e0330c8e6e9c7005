package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;

/**
 * One read-write PKCS#11 session used only for object management: finding keys by label, reading
 * their attributes, destroying them, and the health probe.
 *
 * <p>Why apart from SunPKCS11's sessions: lookups are rare and must never queue behind (or hold)
 * the sessions that encrypt and decrypt, and a {@code C_FindObjects} sequence needs a session to
 * itself from Init to Final. The session is opened lazily, shared under a lock, and evicted when
 * the module reports it broken ({@link HsmErrorKind#UNAVAILABLE} codes such as
 * {@code CKR_SESSION_HANDLE_INVALID} or {@code CKR_DEVICE_ERROR}); the next use opens a new one.
 * Login state is per application in PKCS#11, so this session sees the private token objects once
 * the provider has logged in. A caller waits for the session at most {@code hsm.operationTimeout}
 * ({@link BoundedWait}): a PKCS#11 call that hangs must not hold every later lookup and MAC with it.
 */
final class ObjectSession implements AutoCloseable {
    private static final long NONE = -1;

    private final Pkcs11Native module;
    private final long slot;
    private final Duration lockTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private long handle = NONE;
    private volatile boolean closed;

    ObjectSession(Pkcs11Native module, long slot, Duration lockTimeout) {
        this.module = module;
        this.slot = slot;
        this.lockTimeout = lockTimeout;
    }

    /**
     * Runs {@code action} with the session handle, holding the session exclusively.
     *
     * @throws coffre.hsm.HsmException {@link HsmErrorKind#UNAVAILABLE} when the session is not free
     *                                 within the lock timeout
     */
    <T> T use(LongFunction<T> action) {
        BoundedWait.lock(lock, lockTimeout, "HSM object session");
        try {
            if (closed) {
                throw new IllegalStateException("the HSM object session is closed");
            }
            if (handle == NONE) {
                handle = module.openSession(slot);
            }
            try {
                return action.apply(handle);
            } catch (RuntimeException e) {
                if (CkrErrorMapper.map(e, "object lookup").kind() == HsmErrorKind.UNAVAILABLE) {
                    evict();
                }
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    Pkcs11Native module() {
        return module;
    }

    long slot() {
        return slot;
    }

    private void evict() {
        long h = handle;
        handle = NONE;
        try {
            module.closeSession(h);
        } catch (RuntimeException ignored) {
            // The session is already unusable; closing it is best effort.
        }
    }

    /**
     * Closes the session. Never waits: if a call still holds it (an HSM that stopped answering), the
     * session is only marked closed and left to the module, which is being replaced or closed anyway.
     */
    @Override
    public void close() {
        if (!lock.tryLock()) {
            closed = true;
            return;
        }
        try {
            if (!closed && handle != NONE) {
                evict();
            }
            closed = true;
        } finally {
            lock.unlock();
        }
    }
}
