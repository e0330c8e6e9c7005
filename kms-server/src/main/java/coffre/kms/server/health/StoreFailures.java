package coffre.kms.server.health;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.StoreException;

/**
 * Where every edge (gRPC, XKS, DKE) tells of a call that failed because the store was unavailable:
 * readiness then turns the node unready at once rather than at the next deep check, and
 * {@code coffre_store_errors_total} counts it, whichever protocol the call came by.
 */
public final class StoreFailures {
    /** For an edge run alone (tests): store failures go unreported. */
    public static final StoreFailures NONE = new StoreFailures(() -> { });

    private final Runnable onStoreUnavailable;

    /** @param onStoreUnavailable run on the thread that saw the failure (a worker or an event loop): must not block */
    public StoreFailures(Runnable onStoreUnavailable) {
        this.onStoreUnavailable = onStoreUnavailable;
    }

    /** Reports {@code failure} if it is the store's: a {@link StoreException}, or a call refused {@code STORE_UNAVAILABLE}. */
    public void note(Throwable failure) {
        if (failure instanceof StoreException
                || failure instanceof KmsException kms && kms.reason() == ErrorReason.STORE_UNAVAILABLE) {
            onStoreUnavailable.run();
        }
    }
}
