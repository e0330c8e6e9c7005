package coffre.kms.server.keystores;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmException;
import coffre.kms.server.keys.KeyMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The directory the XKS edge reads on every call: answers from memory, date keys computed once per
 * credential and day in the HSM, and other nodes' changes followed through {@code refresh}.
 */
class KeyStoreRegistryTest {
    private static final String DATE = "20261207";

    private final KeyStoreFixture f = new KeyStoreFixture();
    private final KeyStoreRegistry directory = f.stores.registry();

    @Test
    void dateKeysComeFromTheHsmOncePerDayAsFreshArrays() {
        NewCredential credential = f.created("paris");
        String store = credential.keyStoreId();
        int before = f.hmacCalls.get();
        byte[] first = directory.dateKey(store, credential.accessKeyId(), DATE).orElseThrow();
        byte[] second = directory.dateKey(store, credential.accessKeyId(), DATE).orElseThrow();
        assertEquals(before + 1, f.hmacCalls.get(), "one HSM call per credential and day");
        assertArrayEquals(first, second);
        assertNotSame(first, second);
        java.util.Arrays.fill(first, (byte) 0);
        assertArrayEquals(KeyStoreFixture.jdkDateKey(credential.secret(), DATE),
                directory.dateKey(store, credential.accessKeyId(), DATE).orElseThrow(), "the caller zeroes its copy only");
        assertArrayEquals(KeyStoreFixture.jdkDateKey(credential.secret(), "20261208"),
                directory.dateKey(store, credential.accessKeyId(), "20261208").orElseThrow());
        assertEquals(before + 2, f.hmacCalls.get());
    }

    @Test
    void aDateKeyNeedsAnActiveCredentialOfThatStore() {
        NewCredential paris = f.created("paris");
        NewCredential lyon = f.created("lyon");
        assertEquals(Optional.empty(), directory.dateKey(paris.keyStoreId(), lyon.accessKeyId(), DATE));
        assertEquals(Optional.empty(), directory.dateKey(paris.keyStoreId(), "UNKNOWNUNKNOWNUNKNOWN", DATE));
        assertEquals(Optional.empty(), directory.dateKey(paris.keyStoreId(), null, DATE));
        assertEquals(Optional.empty(), directory.dateKey(null, paris.accessKeyId(), DATE));
        assertEquals(Optional.empty(), directory.dateKey(paris.keyStoreId(), paris.accessKeyId(), "2026127"));
        assertEquals(Optional.empty(), directory.dateKey(paris.keyStoreId(), paris.accessKeyId(), "2026-12-7"));
        assertTrue(directory.dateKey(paris.keyStoreId(), paris.accessKeyId(), DATE).isPresent());
    }

    @Test
    void hsmFailuresPropagate() {
        NewCredential paris = f.created("paris");
        f.softwareHsm.setUnavailable(true);
        assertThrows(HsmException.class, () -> directory.dateKey(paris.keyStoreId(), paris.accessKeyId(), DATE));
    }

    @Test
    void aKeyDestroyedElsewhereIsNoDateKeyRatherThanAnError() {
        NewCredential paris = f.created("paris");
        directory.dateKey(paris.keyStoreId(), paris.accessKeyId(), DATE).orElseThrow();
        f.softwareHsm.destroyKey("coffre:xks-cred:" + paris.accessKeyId());
        assertEquals(Optional.empty(), directory.dateKey(paris.keyStoreId(), paris.accessKeyId(), "20261208"));
        assertEquals(Optional.empty(), directory.dateKey(paris.keyStoreId(), paris.accessKeyId(), DATE),
                "and the cached day is dropped too");
    }

    @Test
    void lookupsNeverReadTheRepository() {
        NewCredential paris = f.created("paris");
        KeyMetadata key = f.addKey(null);
        f.stores.map(paris.keyStoreId(), "k", key.id());
        int reads = f.repository.reads;
        for (int i = 0; i < 100; i++) {
            directory.byUriPath("/paris/kms/xks/v1").orElseThrow();
            directory.mapping(paris.keyStoreId(), "k").orElseThrow();
            directory.dateKey(paris.keyStoreId(), paris.accessKeyId(), DATE).orElseThrow();
            assertTrue(directory.byUriPath("/lyon/kms/xks/v1").isEmpty());
            assertTrue(directory.mapping(paris.keyStoreId(), "nope").isEmpty());
        }
        assertEquals(reads, f.repository.reads);
    }

    @Test
    void aRevocationOnAnotherNodeIsFollowedAndTheCachedKeyDropped() {
        NewCredential paris = f.created("paris");
        String store = paris.keyStoreId();
        directory.dateKey(store, paris.accessKeyId(), DATE).orElseThrow();
        List<String> told = new ArrayList<>();
        directory.onChange(told::add);

        f.repository.revokeCredential(store, paris.accessKeyId());
        assertTrue(directory.dateKey(store, paris.accessKeyId(), DATE).isPresent(), "not announced yet");
        assertTrue(directory.refresh(store));
        assertEquals(List.of(store), told);
        assertEquals(Optional.empty(), directory.dateKey(store, paris.accessKeyId(), DATE));
        assertFalse(directory.refresh(store), "nothing new");
    }

    @Test
    void aRevocationSeenIsNeverUndoneByAStaleRead() {
        NewCredential paris = f.created("paris");
        String store = paris.keyStoreId();
        KeyStoreSnapshot stale = f.repository.load(store);
        f.stores.revoke(store, paris.accessKeyId());
        f.repository.credentials.put(paris.accessKeyId(), stale.credentials().get(0));
        directory.refresh(store);
        assertEquals(XksCredential.State.REVOKED, directory.credential(paris.accessKeyId()).orElseThrow().state());
        assertEquals(Optional.empty(), directory.dateKey(store, paris.accessKeyId(), DATE));
    }

    @Test
    void narrowingChangesApplyHereEvenIfTheyCannotBeReadBack() {
        NewCredential paris = f.created("paris");
        String store = paris.keyStoreId();
        f.stores.map(store, "k", f.addKey(null).id());
        f.repository.failNextRead = new coffre.kms.server.domain.StoreException("connection lost", null);
        assertEquals(XksCredential.State.REVOKED, f.stores.revoke(store, paris.accessKeyId()).state());
        assertEquals(Optional.empty(), directory.dateKey(store, paris.accessKeyId(), DATE));
        f.repository.failNextRead = new coffre.kms.server.domain.StoreException("connection lost", null);
        f.stores.disable(store);
        assertEquals(ExternalKeyStore.State.DISABLED, directory.byUriPath("/paris/kms/xks/v1").orElseThrow().state());
        f.repository.failNextRead = new coffre.kms.server.domain.StoreException("connection lost", null);
        f.stores.unmap(store, "k");
        assertTrue(directory.mapping(store, "k").isEmpty());
    }

    @Test
    void storesMappingsAndDisablingMadeElsewhereAreFollowed() {
        NewCredential paris = f.created("paris");
        String store = paris.keyStoreId();
        KeyMetadata key = f.addKey(null);
        f.repository.insertMapping(new ExternalKeyMapping(store, "k", key.id(), f.clock.instant()));
        f.repository.updateStoreState(store, ExternalKeyStore.State.DISABLED);
        assertEquals(1, directory.refreshAll());
        assertEquals(ExternalKeyStore.State.DISABLED, directory.byUriPath("/paris/kms/xks/v1").orElseThrow().state());
        assertTrue(directory.mapping(store, "k").isPresent());

        f.repository.deleteMapping(store, "k");
        f.repository.stores.clear();
        f.repository.credentials.clear();
        assertEquals(1, directory.refreshAll());
        assertTrue(directory.byUriPath("/paris/kms/xks/v1").isEmpty());
        assertTrue(directory.mapping(store, "k").isEmpty());
        assertTrue(directory.credential(paris.accessKeyId()).isEmpty());
        assertEquals(0, directory.size());
    }

    @Test
    void aListenerThatFailsDoesNotStopTheOthers() {
        NewCredential paris = f.created("paris");
        List<String> told = new ArrayList<>();
        directory.onChange(id -> {
            throw new IllegalStateException("broken listener");
        });
        directory.onChange(told::add);
        f.stores.disable(paris.keyStoreId());
        assertEquals(List.of(paris.keyStoreId()), told);
    }

    @Test
    void aMappingChangeIsNotACredentialOrStateChange() {
        NewCredential paris = f.created("paris");
        List<String> told = new ArrayList<>();
        directory.onChange(told::add);
        f.stores.map(paris.keyStoreId(), "k", f.addKey(null).id());
        assertEquals(List.of(), told);
    }

    @Test
    void theViewIsRebuiltFromTheRepositoryAtStart() {
        NewCredential paris = f.created("paris");
        KeyMetadata key = f.addKey(null);
        f.stores.map(paris.keyStoreId(), "k", key.id());
        ExternalKeyStores restarted = ExternalKeyStores.open(f.hsm, f.repository, ref -> key, f.clock);
        assertEquals(directory.stores(), restarted.registry().stores());
        assertArrayEquals(KeyStoreFixture.jdkDateKey(paris.secret(), DATE),
                restarted.registry().dateKey(paris.keyStoreId(), paris.accessKeyId(), DATE).orElseThrow());
        assertEquals(key.id(), restarted.registry().mapping(paris.keyStoreId(), "k").orElseThrow().keyId());
    }
}
