package coffre.kms.server.keystores;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.StoreException;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Asking for, approving and cutting off key stores, credentials and mappings, over a pure-Java HSM. */
class ExternalKeyStoresTest {
    private static final String DATE = "20261207";

    private final KeyStoreFixture f = new KeyStoreFixture();
    private final ExternalKeyStores stores = f.stores;

    private static KmsException refused(ErrorReason reason, Executable call) {
        KmsException e = assertThrows(KmsException.class, call);
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    private void assertNothingStored() {
        assertEquals(Map.of(), f.repository.stores);
        assertEquals(Map.of(), f.repository.credentials);
        assertEquals(Map.of(), f.repository.mappings);
    }

    @Test
    void aRequestedStoreHasAPendingCredentialInTheHsmAndDoesNotExistYet() {
        NewCredential credential = f.request("paris");

        assertTrue(credential.keyStoreId().matches("xks-[a-z2-7]{26}"), credential.keyStoreId());
        assertTrue(credential.accessKeyId().matches("[A-Z2-7]{24}"), credential.accessKeyId());
        assertEquals(44, credential.secret().length);
        XksCredentialRules.requireValidSecret(credential.secret());
        assertEquals("/paris/kms/xks/v1", credential.uriPath());
        assertTrue(f.softwareHsm.findMacKey("coffre:xks-cred:" + credential.accessKeyId()).isPresent());
        assertEquals(XksCredential.State.PENDING, f.repository.credentials.get(credential.accessKeyId()).state());
        assertTrue(stores.registry().byUriPath("/paris/kms/xks/v1").isEmpty());
        assertTrue(stores.registry().dateKey(credential.keyStoreId(), credential.accessKeyId(), DATE).isEmpty(),
                "a pending credential does not authenticate");
        refused(ErrorReason.XKS_KEY_STORE_NOT_FOUND, () -> stores.get(credential.keyStoreId()));
    }

    @Test
    void approvalCreatesTheStoreEnabledWithItsCredentialActive() {
        NewCredential credential = f.created("paris");

        ExternalKeyStore store = stores.get(credential.keyStoreId());
        assertEquals(new ExternalKeyStore(credential.keyStoreId(), "paris", "/paris/kms/xks/v1", "eu-west-3",
                ExternalKeyStore.State.ENABLED, store.createTime()), store);
        assertEquals(store, stores.get("name/paris"));
        assertEquals(store, stores.registry().byUriPath("/paris/kms/xks/v1").orElseThrow());
        assertEquals(List.of(XksCredential.State.ACTIVE),
                stores.credentials(store.id()).stream().map(XksCredential::state).toList());
        assertArrayEquals(KeyStoreFixture.jdkDateKey(credential.secret(), DATE),
                stores.registry().dateKey(store.id(), credential.accessKeyId(), DATE).orElseThrow());
        assertEquals(1, stores.registry().size());
    }

    @Test
    void theSecretIsHandedOutOnceAndNeverShown() {
        NewCredential credential = f.request("paris");
        String secret = new String(credential.secret());
        assertFalse(credential.toString().contains(secret));
        credential.close();
        assertArrayEquals(new char[44], credential.secret(), "closing zeroes the secret");
    }

    @Test
    void badStoreRequestsAreRefusedAndChangeNothing() {
        assertEquals(Map.of("field", "name"), refused(ErrorReason.INVALID_XKS_KEY_STORE,
                () -> stores.requestKeyStore("Paris", "/p/kms/xks/v1", "eu-west-3")).metadata());
        assertEquals(Map.of("field", "uri_path"), refused(ErrorReason.INVALID_XKS_KEY_STORE,
                () -> stores.requestKeyStore("paris", "/p/kms/xks/v2", "eu-west-3")).metadata());
        assertEquals(Map.of("field", "region"), refused(ErrorReason.INVALID_XKS_KEY_STORE,
                () -> stores.requestKeyStore("paris", "/p/kms/xks/v1", "eu west")).metadata());
        refused(ErrorReason.MISSING_FIELD, () -> stores.requestKeyStore("", "/p/kms/xks/v1", "eu-west-3"));
        assertNothingStored();
        assertEquals(0, f.hmacCalls.get());
    }

    @Test
    void namesAndUriPathsAreUnique() {
        f.created("paris");
        int credentials = f.repository.credentials.size();
        assertEquals(Map.of("field", "name"), refused(ErrorReason.XKS_KEY_STORE_ALREADY_EXISTS,
                () -> stores.requestKeyStore("paris", "/other/kms/xks/v1", "eu-west-3")).metadata());
        assertEquals(Map.of("field", "uri_path"), refused(ErrorReason.XKS_KEY_STORE_ALREADY_EXISTS,
                () -> stores.requestKeyStore("lyon", "/paris/kms/xks/v1", "eu-west-3")).metadata());
        assertEquals(credentials, f.repository.credentials.size(), "no credential made for a refused request");
    }

    @Test
    void twoRequestsForOneNameMeetAtApproval() {
        NewCredential first = f.request("paris");
        NewCredential second = stores.requestKeyStore("paris", "/paris-2/kms/xks/v1", "eu-west-3");
        stores.create(first.keyStoreId(), "paris", first.uriPath(), "eu-west-3", first.accessKeyId());
        assertEquals(Map.of("field", "name"), refused(ErrorReason.XKS_KEY_STORE_ALREADY_EXISTS, () -> stores.create(
                second.keyStoreId(), "paris", second.uriPath(), "eu-west-3", second.accessKeyId())).metadata());
        assertTrue(stores.registry().byUriPath("/paris-2/kms/xks/v1").isEmpty());
    }

    @Test
    void rotationKeepsAtMostTwoActiveCredentials() {
        NewCredential first = f.created("paris");
        String store = first.keyStoreId();
        NewCredential second = f.rotated(store);
        assertTrue(stores.registry().dateKey(store, second.accessKeyId(), DATE).isEmpty(), "pending until approved");
        assertEquals(XksCredential.State.ACTIVE, stores.activate(store, second.accessKeyId()).state());
        assertArrayEquals(KeyStoreFixture.jdkDateKey(second.secret(), DATE),
                stores.registry().dateKey(store, second.accessKeyId(), DATE).orElseThrow());
        assertTrue(stores.registry().dateKey(store, first.accessKeyId(), DATE).isPresent(), "both work during rotation");

        KmsException limit = refused(ErrorReason.XKS_CREDENTIAL_LIMIT_REACHED, () -> stores.requestCredential(store));
        assertTrue(limit.getMessage().contains("revoke one"), limit.getMessage());

        assertEquals(XksCredential.State.REVOKED, stores.revoke(store, first.accessKeyId()).state());
        assertTrue(stores.registry().dateKey(store, first.accessKeyId(), DATE).isEmpty());
        assertTrue(f.softwareHsm.findMacKey("coffre:xks-cred:" + first.accessKeyId()).isEmpty(), "HSM key destroyed");
        assertTrue(stores.registry().dateKey(store, second.accessKeyId(), DATE).isPresent());
        f.rotated(store);
    }

    @Test
    void approvingAThirdCredentialFailsWhenTwoAreActive() {
        NewCredential first = f.created("paris");
        NewCredential second = f.rotated(first.keyStoreId());
        NewCredential third = f.rotated(first.keyStoreId());
        stores.activate(first.keyStoreId(), second.accessKeyId());
        refused(ErrorReason.XKS_CREDENTIAL_LIMIT_REACHED, () -> stores.activate(first.keyStoreId(), third.accessKeyId()));
        assertEquals(XksCredential.State.PENDING, f.repository.credentials.get(third.accessKeyId()).state());
    }

    @Test
    void aCredentialRevokedBeforeApprovalNeverWorks() {
        NewCredential credential = f.request("paris");
        stores.revoke(credential.keyStoreId(), credential.accessKeyId());
        refused(ErrorReason.XKS_CREDENTIAL_NOT_PENDING, () -> stores.create(credential.keyStoreId(), "paris",
                credential.uriPath(), "eu-west-3", credential.accessKeyId()));
        assertTrue(f.repository.stores.isEmpty());
        assertTrue(f.softwareHsm.findMacKey("coffre:xks-cred:" + credential.accessKeyId()).isEmpty());
    }

    @Test
    void revokingIsIdempotentAndNamesOnlyCredentialsOfTheStore() {
        NewCredential paris = f.created("paris");
        NewCredential lyon = f.created("lyon");
        refused(ErrorReason.XKS_CREDENTIAL_NOT_FOUND, () -> stores.revoke(paris.keyStoreId(), lyon.accessKeyId()));
        refused(ErrorReason.XKS_CREDENTIAL_NOT_FOUND, () -> stores.revoke(paris.keyStoreId(), "ABCDEFGHIJKLMNOPQRSTUVWX"));
        refused(ErrorReason.INVALID_XKS_ACCESS_KEY_ID, () -> stores.revoke(paris.keyStoreId(), "not-an-id"));
        assertEquals(XksCredential.State.ACTIVE, stores.credentials(lyon.keyStoreId()).get(0).state());
        XksCredential revoked = stores.revoke("name/paris", paris.accessKeyId());
        assertEquals(revoked, stores.revoke(paris.keyStoreId(), paris.accessKeyId()));
    }

    @Test
    void disablingAndEnablingTellTheListeners() {
        NewCredential paris = f.created("paris");
        List<String> told = new java.util.ArrayList<>();
        stores.registry().onChange(told::add);
        assertEquals(ExternalKeyStore.State.DISABLED, stores.disable(paris.keyStoreId()).state());
        assertEquals(ExternalKeyStore.State.DISABLED,
                stores.registry().byUriPath("/paris/kms/xks/v1").orElseThrow().state(), "found, disabled");
        assertEquals(ExternalKeyStore.State.DISABLED, stores.disable("name/paris").state(), "again: nothing changes");
        assertEquals(List.of(paris.keyStoreId()), told);
        assertEquals(ExternalKeyStore.State.ENABLED, stores.enable(paris.keyStoreId()).state());
        assertEquals(List.of(paris.keyStoreId(), paris.keyStoreId()), told);
        refused(ErrorReason.XKS_KEY_STORE_NOT_FOUND, () -> stores.disable("name/nowhere"));
        refused(ErrorReason.INVALID_XKS_KEY_STORE, () -> stores.disable("paris"));
    }

    @Test
    void externalKeyIdsMapToOneKeyAndAKeyToSeveralStores() {
        NewCredential paris = f.created("paris");
        NewCredential lyon = f.created("lyon");
        KeyMetadata key = f.addKey("orders");
        ExternalKeyMapping proposed = stores.requestMapping("name/paris", "orders-key", "alias/orders");
        assertEquals(key.id(), proposed.keyId(), "an alias is resolved when the request is made");
        ExternalKeyMapping mapped = stores.map(paris.keyStoreId(), "orders-key", key.id());
        assertEquals(mapped, stores.registry().mapping(paris.keyStoreId(), "orders-key").orElseThrow());
        assertEquals(mapped, stores.map(paris.keyStoreId(), "orders-key", key.id()), "again: nothing changes");
        stores.map(lyon.keyStoreId(), "orders-key", key.id());

        KeyMetadata other = f.addKey(null);
        refused(ErrorReason.XKS_KEY_MAPPING_ALREADY_EXISTS,
                () -> stores.requestMapping(paris.keyStoreId(), "orders-key", other.id().value()));
        refused(ErrorReason.XKS_KEY_MAPPING_ALREADY_EXISTS, () -> stores.map(paris.keyStoreId(), "orders-key", other.id()));
        assertEquals(List.of(mapped), stores.mappings(paris.keyStoreId(), 0, "").items());

        assertEquals(mapped, stores.unmap(paris.keyStoreId(), "orders-key"));
        assertTrue(stores.registry().mapping(paris.keyStoreId(), "orders-key").isEmpty());
        assertTrue(stores.registry().mapping(lyon.keyStoreId(), "orders-key").isPresent());
        refused(ErrorReason.XKS_KEY_MAPPING_NOT_FOUND, () -> stores.unmap(paris.keyStoreId(), "orders-key"));
    }

    @Test
    void onlyExistingUndestroyedKeysCanBeMapped() {
        NewCredential paris = f.created("paris");
        refused(ErrorReason.KEY_NOT_FOUND, () -> stores.requestMapping(paris.keyStoreId(), "e", "alias/none"));
        refused(ErrorReason.INVALID_KEY_ID, () -> stores.requestMapping(paris.keyStoreId(), "e", "key-nope"));
        refused(ErrorReason.MISSING_FIELD, () -> stores.requestMapping(paris.keyStoreId(), "e", ""));
        refused(ErrorReason.INVALID_XKS_EXTERNAL_KEY_ID, () -> stores.requestMapping(paris.keyStoreId(), "a/b", "alias/x"));
        KeyMetadata key = f.addKey(null);
        f.keys.put(key.id(), key.destroyed(f.clock.instant()));
        refused(ErrorReason.KEY_DESTROYED, () -> stores.requestMapping(paris.keyStoreId(), "e", key.id().value()));
        refused(ErrorReason.KEY_DESTROYED, () -> stores.map(paris.keyStoreId(), "e", key.id()));
        KeyMetadata disabled = f.addKey(null);
        f.keys.put(disabled.id(), disabled.withState(KeyState.DISABLED, f.clock.instant()));
        stores.map(paris.keyStoreId(), "disabled-key", disabled.id());
        refused(ErrorReason.XKS_KEY_STORE_NOT_FOUND, () -> stores.requestMapping("name/none", "e", key.id().value()));
        assertEquals(1, f.repository.mappings.size());
    }

    @Test
    void pendingCredentialsOlderThanARequestAreDiscardedWithTheirHsmKeys() {
        NewCredential abandoned = f.request("paris");
        f.clock.advance(Duration.ofDays(2));
        NewCredential recent = f.request("lyon");
        assertEquals(1, stores.discardAbandoned(Duration.ofDays(1)));
        assertFalse(f.repository.credentials.containsKey(abandoned.accessKeyId()));
        assertTrue(f.softwareHsm.findMacKey("coffre:xks-cred:" + abandoned.accessKeyId()).isEmpty());
        assertTrue(f.repository.credentials.containsKey(recent.accessKeyId()));
        refused(ErrorReason.XKS_CREDENTIAL_NOT_PENDING, () -> stores.create(abandoned.keyStoreId(), "paris",
                abandoned.uriPath(), "eu-west-3", abandoned.accessKeyId()));
    }

    @Test
    void aStoreFailureLeavesNoHsmKeyBehind() {
        f.repository.failNextWrite = new StoreException("database down", null);
        assertThrows(StoreException.class, () -> stores.requestKeyStore("paris", "/paris/kms/xks/v1", "eu-west-3"));
        assertNothingStored();
        assertEquals(1, f.imported.size());
        assertTrue(f.softwareHsm.findMacKey(f.imported.get(0)).isEmpty(), "the imported key was destroyed again");
        assertTrue(stores.registry().pendingCredentials().isEmpty());
    }

    @Test
    void anUnavailableHsmMakesNoCredential() {
        f.softwareHsm.setUnavailable(true);
        refused(ErrorReason.HSM_UNAVAILABLE, () -> stores.requestKeyStore("paris", "/paris/kms/xks/v1", "eu-west-3"));
        assertNothingStored();
    }

    @Test
    void listingsPageThroughEveryStoreOnce() {
        for (String name : List.of("a", "b", "c", "d", "e")) {
            f.created(name);
        }
        KeyStorePage<ExternalKeyStore> first = stores.list(2, "");
        KeyStorePage<ExternalKeyStore> second = stores.list(2, first.nextPageToken());
        KeyStorePage<ExternalKeyStore> third = stores.list(2, second.nextPageToken());
        assertEquals("", third.nextPageToken());
        List<String> ids = new java.util.ArrayList<>();
        for (var page : List.of(first, second, third)) {
            page.items().forEach(s -> ids.add(s.id()));
        }
        assertEquals(stores.registry().stores().stream().map(ExternalKeyStore::id).toList(), ids);
        refused(ErrorReason.INVALID_PAGINATION, () -> stores.list(1001, ""));
        refused(ErrorReason.INVALID_PAGINATION, () -> stores.list(1, "forged"));
    }
}
