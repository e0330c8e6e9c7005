package coffre.kms.server.keystores;

import java.util.List;

/**
 * The port to where key stores, their credentials and their key mappings are kept (never a
 * credential's secret: that is in the HSM). Only {@link ExternalKeyStores} writes through it, and
 * the view ({@link KeyStoreRegistry}) reads it; the XKS hot path reads memory only.
 *
 * <p>Each method is one transaction, and every change is announced to the other nodes of a
 * cluster inside it, under the store's id, so a narrowing change made on one node reaches every
 * node as fast as a disabled key does. All methods block. Infrastructure failures surface as
 * {@link coffre.kms.server.domain.StoreException}; nothing is acknowledged by a method that throws.
 */
public interface ExternalKeyStoreRepository {

    /** Every store id's content, for the view built at start and the periodic safety net. */
    List<KeyStoreSnapshot> loadAll();

    /** What is stored under one store id now (to follow a change made by another node). */
    KeyStoreSnapshot load(String keyStoreId);

    /** Stores a new credential, {@link XksCredential.State#PENDING}. */
    void insertCredential(XksCredential credential);

    /**
     * Creates {@code store} and activates its pending credential {@code accessKeyId}, together.
     *
     * @return {@link Activation#ACTIVATED}, or {@link Activation#NOT_PENDING} (nothing written) if
     *         that credential of the store is not pending (revoked, discarded)
     * @throws ConflictException if another store has its id, name ({@code field} "name") or URI
     *         path ({@code field} "uri_path")
     */
    Activation insertStore(ExternalKeyStore store, String accessKeyId);

    /**
     * Activates a pending credential of an existing store if it has fewer than {@code maxActive}
     * active ones; concurrent activations of one store are serialised, so the bound holds.
     */
    Activation activateCredential(String keyStoreId, String accessKeyId, int maxActive);

    /** Revokes a pending or active credential; false if there is none or it is revoked already. */
    boolean revokeCredential(String keyStoreId, String accessKeyId);

    /** Deletes a credential that is still pending (its request will never be approved); false if none. */
    boolean deletePendingCredential(String keyStoreId, String accessKeyId);

    /** Sets an existing store's state; false if there is no such store or it is in that state already. */
    boolean updateStoreState(String keyStoreId, ExternalKeyStore.State state);

    /**
     * Stores a mapping of an existing store to an existing key.
     *
     * @throws ConflictException ({@code field} "external_key_id") if the store maps that id already
     */
    void insertMapping(ExternalKeyMapping mapping);

    /** Deletes a mapping; false if there is none. */
    boolean deleteMapping(String keyStoreId, String externalKeyId);

    /** What {@link #insertStore} and {@link #activateCredential} did. */
    enum Activation {
        ACTIVATED,
        /** The store already has {@code maxActive} active credentials: nothing changed. */
        LIMIT_REACHED,
        /** The credential is not pending (revoked, active, discarded) or the store is gone: nothing changed. */
        NOT_PENDING
    }

    /** A name, URI path or external key id is taken; {@link #field()} says which. */
    final class ConflictException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String field;

        public ConflictException(String field) {
            super(field + " is already in use");
            this.field = field;
        }

        public String field() {
            return field;
        }
    }
}
