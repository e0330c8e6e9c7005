package coffre.kms.server.keystores;

import coffre.hsm.Hsm;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyCapabilities;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The administration of external key stores: every rule about what may be asked, approved or cut
 * off, for every edge that administers them (the gRPC {@code XksAdminService} today).
 *
 * <p>Three kinds of call, as for keys:
 * <ul>
 *   <li><b>requests</b> ({@code request*}): checked in full now, so a bad one fails at once rather
 *       than after officers approved it; the caller then asks officers for the operation. A
 *       request for a store or a new credential makes the credential here: its secret goes into
 *       the HSM and, once, to the caller; the credential waits, pending, for the approval;</li>
 *   <li><b>approved</b> operations ({@link #create}, {@link #activate}, {@link #enable},
 *       {@link #map}): run once officers approved, each precondition checked again;</li>
 *   <li><b>narrowing</b> ones ({@link #disable}, {@link #revoke}, {@link #unmap}): run at once on
 *       one officer's signature, which the caller has verified.</li>
 * </ul>
 * Every change is stored first, then shown in {@link #registry()}, the view the XKS edge reads.
 */
public final class ExternalKeyStores {
    /** At most two credentials of a store authenticate at once: enough to rotate without downtime. */
    public static final int MAX_ACTIVE_CREDENTIALS = 2;

    private static final Logger LOG = System.getLogger(ExternalKeyStores.class.getName());

    private final ExternalKeyStoreRepository repository;
    private final KeyStoreRegistry registry;
    private final CredentialIssuer credentials;
    private final Function<KeyReference, KeyMetadata> keys;
    private final Clock clock;

    private ExternalKeyStores(Hsm hsm, ExternalKeyStoreRepository repository, Function<KeyReference, KeyMetadata> keys,
                              Clock clock) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
        CredentialKeys credentialKeys = new CredentialKeys(Objects.requireNonNull(hsm, "hsm"));
        this.registry = new KeyStoreRegistry(repository, credentialKeys);
        this.credentials = new CredentialIssuer(hsm, repository, registry, credentialKeys, clock);
    }

    /**
     * The key stores of a node, their view loaded from {@code repository}.
     *
     * @param keys looks a Coffre key up (e.g. {@link KeyLifecycle#get}), throwing
     *             {@link ErrorReason#KEY_NOT_FOUND} when there is none
     */
    public static ExternalKeyStores open(Hsm hsm, ExternalKeyStoreRepository repository,
                                         Function<KeyReference, KeyMetadata> keys, Clock clock) {
        ExternalKeyStores stores = new ExternalKeyStores(hsm, repository, keys, clock);
        stores.registry.loadAll();
        return stores;
    }

    /** The in-memory view: the {@link ExternalKeyStoreDirectory} of the XKS edge, refreshed by the cluster feed. */
    public KeyStoreRegistry registry() {
        return registry;
    }

    // ---- requests -------------------------------------------------------------------------------

    /**
     * Checks a new store and makes its first credential, pending; the caller asks officers for
     * {@code CreateXksKeyStore} with the returned ids and hands the secret over once.
     *
     * @throws KmsException INVALID_XKS_KEY_STORE, MISSING_FIELD, XKS_KEY_STORE_ALREADY_EXISTS
     */
    public NewCredential requestKeyStore(String name, String uriPath, String region) {
        KeyStoreRules.requireName(name);
        KeyStoreRules.requireUriPath(uriPath);
        KeyStoreRules.requireRegion(region);
        requireFree(name, uriPath);
        SecureRandom random = credentials.hsmSeededRandom();
        return credentials.issue(KeyStoreRules.newKeyStoreId(random), uriPath, random);
    }

    /**
     * Makes a new credential of an existing store, pending; the caller asks officers to activate it.
     *
     * @throws KmsException XKS_KEY_STORE_NOT_FOUND, XKS_CREDENTIAL_LIMIT_REACHED
     */
    public NewCredential requestCredential(String keyStoreRef) {
        ExternalKeyStore store = get(keyStoreRef);
        List<String> active = registry.credentials(store.id()).stream()
                .filter(c -> c.state() == XksCredential.State.ACTIVE).map(XksCredential::accessKeyId).toList();
        if (active.size() >= MAX_ACTIVE_CREDENTIALS) {
            throw limitReached(store.id(), active);
        }
        return credentials.issue(store.id(), store.uriPath(), credentials.hsmSeededRandom());
    }

    /**
     * Checks that {@code externalKeyId} of the store may stand for the key; the caller asks officers
     * for {@code MapXksKey} with the returned ids (an alias is resolved to its key now).
     *
     * @throws KmsException XKS_KEY_STORE_NOT_FOUND, INVALID_XKS_EXTERNAL_KEY_ID, XKS_KEY_MAPPING_ALREADY_EXISTS,
     *         INVALID_KEY_ID, KEY_NOT_FOUND, KEY_DESTROYED
     */
    public ExternalKeyMapping requestMapping(String keyStoreRef, String externalKeyId, String keyRef) {
        ExternalKeyStore store = get(keyStoreRef);
        KeyStoreRules.requireExternalKeyId(externalKeyId);
        KeyMetadata key = mappableKey(KeyReference.parse(keyRef, "key_id"));
        requireUnmapped(store.id(), externalKeyId);
        return new ExternalKeyMapping(store.id(), externalKeyId, key.id(), now());
    }

    /** Forgets a credential whose approval request could not be made: it is deleted with its HSM key. */
    public void discard(NewCredential credential) {
        credentials.discardPending(credential.keyStoreId(), credential.accessKeyId());
    }

    // ---- approved -------------------------------------------------------------------------------

    /**
     * Creates the store, enabled, with its pending credential active.
     *
     * @throws KmsException XKS_KEY_STORE_ALREADY_EXISTS, XKS_CREDENTIAL_NOT_PENDING (revoked or discarded meanwhile)
     */
    public ExternalKeyStore create(String keyStoreId, String name, String uriPath, String region, String accessKeyId) {
        ExternalKeyStore store = new ExternalKeyStore(KeyStoreRules.requireKeyStoreId(keyStoreId),
                KeyStoreRules.requireName(name), KeyStoreRules.requireUriPath(uriPath),
                KeyStoreRules.requireRegion(region), ExternalKeyStore.State.ENABLED, now());
        KeyStoreRules.requireAccessKeyId(accessKeyId);
        ExternalKeyStoreRepository.Activation done;
        try {
            done = registry.write(keyStoreId, () -> repository.insertStore(store, accessKeyId));
        } catch (ExternalKeyStoreRepository.ConflictException e) {
            throw taken(e.field());
        }
        if (done != ExternalKeyStoreRepository.Activation.ACTIVATED) {
            throw notPending(accessKeyId);
        }
        LOG.log(Level.INFO, "external key store {0} ({1}, {2}, {3}) created with credential {4}", store.id(),
                store.name(), store.uriPath(), store.region(), accessKeyId);
        return store;
    }

    /** @throws KmsException XKS_KEY_STORE_NOT_FOUND, XKS_CREDENTIAL_NOT_FOUND, XKS_CREDENTIAL_LIMIT_REACHED, XKS_CREDENTIAL_NOT_PENDING */
    public XksCredential activate(String keyStoreId, String accessKeyId) {
        ExternalKeyStore store = get(keyStoreId);
        XksCredential credential = credentialOf(store.id(), accessKeyId);
        if (credential.state() == XksCredential.State.ACTIVE) {
            return credential;
        }
        ExternalKeyStoreRepository.Activation done = registry.write(store.id(),
                () -> repository.activateCredential(store.id(), accessKeyId, MAX_ACTIVE_CREDENTIALS));
        switch (done) {
            case ACTIVATED -> LOG.log(Level.INFO, "credential {0} of external key store {1} activated", accessKeyId,
                    store.id());
            case LIMIT_REACHED -> throw limitReached(store.id(), registry.credentials(store.id()).stream()
                    .filter(c -> c.state() == XksCredential.State.ACTIVE).map(XksCredential::accessKeyId).toList());
            case NOT_PENDING -> throw notPending(accessKeyId);
        }
        return credentialOf(store.id(), accessKeyId);
    }

    /** Enabling an enabled store changes nothing. @throws KmsException XKS_KEY_STORE_NOT_FOUND */
    public ExternalKeyStore enable(String keyStoreRef) {
        return setState(get(keyStoreRef), ExternalKeyStore.State.ENABLED);
    }

    /**
     * Maps the external key id to the key; mapping it again to the same key changes nothing.
     *
     * @throws KmsException XKS_KEY_STORE_NOT_FOUND, XKS_KEY_MAPPING_ALREADY_EXISTS (to another key),
     *         KEY_NOT_FOUND, KEY_DESTROYED
     */
    public ExternalKeyMapping map(String keyStoreId, String externalKeyId, KeyId keyId) {
        ExternalKeyStore store = get(keyStoreId);
        KeyStoreRules.requireExternalKeyId(externalKeyId);
        mappableKey(new KeyReference.ById(keyId));
        var existing = registry.mapping(store.id(), externalKeyId);
        if (existing.isPresent() && existing.get().keyId().equals(keyId)) {
            return existing.get();
        }
        requireUnmapped(store.id(), externalKeyId);
        ExternalKeyMapping mapping = new ExternalKeyMapping(store.id(), externalKeyId, keyId, now());
        try {
            registry.write(store.id(), () -> {
                repository.insertMapping(mapping);
                return null;
            });
        } catch (ExternalKeyStoreRepository.ConflictException e) {
            throw mappedAlready(store.id(), externalKeyId);
        }
        LOG.log(Level.INFO, "external key id {0} of store {1} mapped to key {2}", externalKeyId, store.id(), keyId);
        return mapping;
    }

    // ---- narrowing ------------------------------------------------------------------------------

    /** The XKS kill switch. Disabling a disabled store changes nothing. @throws KmsException XKS_KEY_STORE_NOT_FOUND */
    public ExternalKeyStore disable(String keyStoreRef) {
        return setState(get(keyStoreRef), ExternalKeyStore.State.DISABLED);
    }

    /**
     * Revokes a credential at once (pending ones too, even before their store exists) and destroys
     * its HSM key. Revoking a revoked credential changes nothing.
     *
     * @throws KmsException INVALID_XKS_ACCESS_KEY_ID, XKS_KEY_STORE_NOT_FOUND, XKS_CREDENTIAL_NOT_FOUND
     */
    public XksCredential revoke(String keyStoreRef, String accessKeyId) {
        XksCredential credential = checkRevoke(keyStoreRef, accessKeyId);
        String keyStoreId = credential.keyStoreId();
        if (credential.state() != XksCredential.State.REVOKED) {
            registry.write(keyStoreId, () -> repository.revokeCredential(keyStoreId, accessKeyId),
                    seen -> new KeyStoreSnapshot(keyStoreId, seen.store(), seen.credentials().stream()
                            .map(c -> c.accessKeyId().equals(accessKeyId) ? c.withState(XksCredential.State.REVOKED) : c)
                            .toList(), seen.mappings()));
            LOG.log(Level.INFO, "credential {0} of external key store {1} revoked", accessKeyId, keyStoreId);
        }
        credentials.destroyKey(accessKeyId);
        return credentialOf(keyStoreId, accessKeyId);
    }

    /**
     * The credential {@link #revoke} would revoke, so that a bad request fails before the
     * officer's signature is checked (and used).
     *
     * @throws KmsException as {@link #revoke}
     */
    public XksCredential checkRevoke(String keyStoreRef, String accessKeyId) {
        KeyStoreRules.requireAccessKeyId(accessKeyId);
        String keyStoreId = KeyStoreRules.isKeyStoreId(keyStoreRef) && !registry.credentials(keyStoreRef).isEmpty()
                ? keyStoreRef : get(keyStoreRef).id();
        return credentialOf(keyStoreId, accessKeyId);
    }

    /** @throws KmsException XKS_KEY_STORE_NOT_FOUND, INVALID_XKS_EXTERNAL_KEY_ID, XKS_KEY_MAPPING_NOT_FOUND */
    public ExternalKeyMapping unmap(String keyStoreRef, String externalKeyId) {
        ExternalKeyMapping mapping = checkUnmap(keyStoreRef, externalKeyId);
        registry.write(mapping.keyStoreId(), () -> repository.deleteMapping(mapping.keyStoreId(), externalKeyId),
                seen -> new KeyStoreSnapshot(seen.keyStoreId(), seen.store(), seen.credentials(),
                        seen.mappings().stream().filter(m -> !m.externalKeyId().equals(externalKeyId)).toList()));
        LOG.log(Level.INFO, "external key id {0} of store {1} unmapped (was key {2})", externalKeyId,
                mapping.keyStoreId(), mapping.keyId());
        return mapping;
    }

    /**
     * The mapping {@link #unmap} would delete, so that a bad request fails before the officer's
     * signature is checked (and used).
     *
     * @throws KmsException as {@link #unmap}
     */
    public ExternalKeyMapping checkUnmap(String keyStoreRef, String externalKeyId) {
        ExternalKeyStore store = get(keyStoreRef);
        KeyStoreRules.requireExternalKeyId(externalKeyId);
        return registry.mapping(store.id(), externalKeyId).orElseThrow(() -> new KmsException(
                ErrorReason.XKS_KEY_MAPPING_NOT_FOUND, "key store " + store.id() + " does not map " + externalKeyId));
    }

    // ---- reads ----------------------------------------------------------------------------------

    /**
     * The store named by {@code keyStoreRef}: its id, or {@code name/<name>}.
     *
     * @throws KmsException MISSING_FIELD, INVALID_XKS_KEY_STORE, XKS_KEY_STORE_NOT_FOUND
     */
    public ExternalKeyStore get(String keyStoreRef) {
        if (keyStoreRef != null && keyStoreRef.startsWith(KeyStoreRules.NAME_PREFIX)) {
            String name = keyStoreRef.substring(KeyStoreRules.NAME_PREFIX.length());
            if (!KeyStoreRules.isValidName(name)) {
                throw new KmsException(ErrorReason.INVALID_XKS_KEY_STORE, "a key store name is 1-"
                        + KeyStoreRules.MAX_NAME_CHARS + " characters of a-z, 0-9 and '-'", Map.of("field", "key_store_id"));
            }
            return registry.byName(name).orElseThrow(() -> notFound(keyStoreRef));
        }
        KeyStoreRules.requireKeyStoreId(keyStoreRef);
        return registry.store(keyStoreRef).orElseThrow(() -> notFound(keyStoreRef));
    }

    /** Stores by id. @throws KmsException INVALID_PAGINATION */
    public KeyStorePage<ExternalKeyStore> list(int pageSize, String pageToken) {
        return KeyStorePage.of(registry.stores(), ExternalKeyStore::id, pageSize, pageToken);
    }

    /** A store's credentials, in every state, oldest first. */
    public List<XksCredential> credentials(String keyStoreId) {
        return registry.credentials(keyStoreId);
    }

    /** A store's mappings by external key id. @throws KmsException XKS_KEY_STORE_NOT_FOUND, INVALID_PAGINATION */
    public KeyStorePage<ExternalKeyMapping> mappings(String keyStoreRef, int pageSize, String pageToken) {
        ExternalKeyStore store = get(keyStoreRef);
        return KeyStorePage.of(registry.mappings(store.id()), ExternalKeyMapping::externalKeyId, pageSize, pageToken);
    }

    // ---- housekeeping ---------------------------------------------------------------------------

    /**
     * Deletes, with their HSM keys, the credentials still pending after {@code olderThan}: longer
     * than an approval request lives, so their request was rejected or expired and they can never
     * work. Returns how many went.
     */
    public int discardAbandoned(Duration olderThan) {
        Instant before = clock.instant().minus(olderThan);
        int discarded = 0;
        for (XksCredential credential : registry.pendingCredentials()) {
            if (credential.createTime().isBefore(before)) {
                credentials.discardPending(credential.keyStoreId(), credential.accessKeyId());
                discarded++;
            }
        }
        return discarded;
    }

    // ---- internals ------------------------------------------------------------------------------

    private ExternalKeyStore setState(ExternalKeyStore store, ExternalKeyStore.State state) {
        if (store.state() != state) {
            registry.write(store.id(), () -> repository.updateStoreState(store.id(), state), state == ExternalKeyStore.State.ENABLED
                    ? null : seen -> new KeyStoreSnapshot(seen.keyStoreId(), seen.store().map(s -> s.withState(state)),
                            seen.credentials(), seen.mappings()));
            LOG.log(Level.INFO, "external key store {0} {1}", store.id(), state == ExternalKeyStore.State.ENABLED
                    ? "enabled" : "disabled");
        }
        return registry.store(store.id()).orElse(store.withState(state));
    }

    private void requireFree(String name, String uriPath) {
        if (registry.byName(name).isPresent()) {
            throw taken("name");
        }
        if (registry.byUriPath(uriPath).isPresent()) {
            throw taken("uri_path");
        }
    }

    private void requireUnmapped(String keyStoreId, String externalKeyId) {
        registry.mapping(keyStoreId, externalKeyId).ifPresent(existing -> {
            throw mappedAlready(keyStoreId, externalKeyId);
        });
    }

    /** Every Coffre key is AES-256 in the HSM; a destroyed one has no material left to use. */
    private KeyMetadata mappableKey(KeyReference reference) {
        KeyMetadata key = keys.apply(reference);
        KeyLifecycle.requireNotDestroyed(key);
        // The XKS protocol is AES-256-GCM: an asymmetric key cannot stand for an external key.
        KeyCapabilities.require(key, coffre.kms.server.domain.DataOperation.WRAP);
        return key;
    }

    private XksCredential credentialOf(String keyStoreId, String accessKeyId) {
        return registry.credential(accessKeyId).filter(c -> c.keyStoreId().equals(keyStoreId))
                .orElseThrow(() -> new KmsException(ErrorReason.XKS_CREDENTIAL_NOT_FOUND,
                        "key store " + keyStoreId + " has no credential " + accessKeyId));
    }

    private Instant now() {
        return CredentialIssuer.now(clock);
    }

    private static KmsException notFound(String keyStoreRef) {
        return new KmsException(ErrorReason.XKS_KEY_STORE_NOT_FOUND, "no external key store " + keyStoreRef);
    }

    private static KmsException taken(String field) {
        return new KmsException(ErrorReason.XKS_KEY_STORE_ALREADY_EXISTS,
                "another external key store has this " + field.replace('_', ' '), Map.of("field", field));
    }

    private static KmsException mappedAlready(String keyStoreId, String externalKeyId) {
        return new KmsException(ErrorReason.XKS_KEY_MAPPING_ALREADY_EXISTS, "key store " + keyStoreId
                + " already maps " + externalKeyId + "; unmap it first to map it to another key");
    }

    private static KmsException limitReached(String keyStoreId, List<String> active) {
        return new KmsException(ErrorReason.XKS_CREDENTIAL_LIMIT_REACHED, "key store " + keyStoreId + " has "
                + MAX_ACTIVE_CREDENTIALS + " active credentials " + active
                + " already: revoke one before asking for another");
    }

    private static KmsException notPending(String accessKeyId) {
        return new KmsException(ErrorReason.XKS_CREDENTIAL_NOT_PENDING, "credential " + accessKeyId
                + " no longer waits for activation (revoked or discarded); ask for a new one");
    }
}
