package coffre.kms.server.keystores;

import coffre.hsm.Hsm;
import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Key stores over the pure-Java HSM and an in-memory repository, with a few Coffre keys to map,
 * for the domain's unit tests. Every secret handed out is recorded in the {@link SecretLedger}.
 */
final class KeyStoreFixture {
    final SoftwareHsm softwareHsm = new SoftwareHsm();
    final AtomicInteger hmacCalls = new AtomicInteger();
    /** The labels of every HMAC key imported, in order. */
    final List<String> imported = new CopyOnWriteArrayList<>();
    final Hsm hsm = counting(softwareHsm, hmacCalls, imported);
    final InMemoryKeyStoreRepository repository = new InMemoryKeyStoreRepository();
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T09:00:00Z"));
    final Map<KeyId, KeyMetadata> keys = new ConcurrentHashMap<>();
    final ExternalKeyStores stores = ExternalKeyStores.open(hsm, repository, this::key, clock);

    /** A Coffre key, enabled, with {@code alias} (or none). */
    KeyMetadata addKey(String alias) {
        KeyId id = KeyId.random(new SecureRandom());
        KeyMetadata key = KeyMetadata.created(id, new KeyAttributes(alias == null ? null : new Alias(alias), "", Map.of()),
                clock.instant());
        keys.put(id, key);
        return key;
    }

    private KeyMetadata key(KeyReference reference) {
        KeyMetadata found = switch (reference) {
            case KeyReference.ById byId -> keys.get(byId.id());
            case KeyReference.ByAlias byAlias -> keys.values().stream()
                    .filter(k -> byAlias.alias().equals(k.alias())).findFirst().orElse(null);
        };
        if (found == null) {
            throw new KmsException(ErrorReason.KEY_NOT_FOUND, "no such key");
        }
        return found;
    }

    /** Asks for a store and records its secret. */
    NewCredential request(String name) {
        NewCredential credential = stores.requestKeyStore(name, "/" + name + "/kms/xks/v1", "eu-west-3");
        SecretLedger.record(new String(credential.secret()));
        return credential;
    }

    /** Asks for a store and approves it; returns its first credential. */
    NewCredential created(String name) {
        NewCredential credential = request(name);
        stores.create(credential.keyStoreId(), name, credential.uriPath(), "eu-west-3", credential.accessKeyId());
        return credential;
    }

    /** Asks for a new credential of the store, records its secret. */
    NewCredential rotated(String keyStoreId) {
        NewCredential credential = stores.requestCredential(keyStoreId);
        SecretLedger.record(new String(credential.secret()));
        return credential;
    }

    /** The date key as SigV4 defines it, computed by the JDK from the secret. */
    static byte[] jdkDateKey(char[] secret, String date) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(("AWS4" + new String(secret)).getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return mac.doFinal(date.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static Hsm counting(Hsm real, AtomicInteger hmacCalls, List<String> imported) {
        return (Hsm) Proxy.newProxyInstance(Hsm.class.getClassLoader(), new Class<?>[] {Hsm.class}, (proxy, method, args) -> {
            if (method.getName().equals("hmacSha256")) {
                hmacCalls.incrementAndGet();
            } else if (method.getName().equals("importMacKey")) {
                imported.add((String) args[0]);
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
