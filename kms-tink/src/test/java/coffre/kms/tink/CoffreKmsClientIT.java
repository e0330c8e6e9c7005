package coffre.kms.tink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.client.AccessDeniedException;
import coffre.kms.client.DecryptionFailedException;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.Key;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.KmsEnvelopeAead;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tink, unchanged, over a real node on a real SoftHSM token and real mutual TLS: its own
 * {@code KmsEnvelopeAead}, a keyset stored encrypted under a Coffre key, and Coffre's refusals
 * reaching Tink's callers as {@link GeneralSecurityException}s that keep the typed cause.
 */
class CoffreKmsClientIT {
    private static final byte[] RECORD_ID = "order-4711".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;
    static TestServer node;
    static Key key;
    static Key otherKey;
    static CoffreKmsClient kms;

    @BeforeAll
    static void start() throws Exception {
        AeadConfig.register();
        node = TestServer.start(dir);
        key = node.createKey(CreateKeyRequest.newBuilder().setAlias("orders").build());
        otherKey = node.createKey();
        kms = new CoffreKmsClient().withCredentials(credentialsFile("tink-service").toString());
    }

    @AfterAll
    static void stop() {
        kms.close();
        node.close();
    }

    /** A properties file as a service would keep it, with paths relative to it. */
    private static Path credentialsFile(String name) throws Exception {
        TestPki.Issued identity = node.pki().clientWithUri(name, TestServer.SERVICE);
        Path file = dir.resolve(name + ".properties");
        Files.writeString(file, String.join("\n",
                "endpoint = 127.0.0.1:" + node.server().port(),
                "ca-cert = " + file.getParent().relativize(node.pki().caFile()),
                "cert = " + identity.certificate(),
                "key = " + identity.privateKey(),
                "timeout = 5", ""));
        return file;
    }

    private static byte[] secret(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        SecretLedger.record(bytes);
        return bytes;
    }

    @Test
    void tinksKmsEnvelopeAeadRoundTripsUnderAnAlias() throws Exception {
        Aead envelope = KmsEnvelopeAead.create(PredefinedAeadParameters.AES256_GCM, kms.getAead("coffre://alias/orders"));
        byte[] record = secret("tink envelope record: 4 boxes of tea to Lyon");

        byte[] ciphertext = envelope.encrypt(record, RECORD_ID);

        assertArrayEquals(record, envelope.decrypt(ciphertext, RECORD_ID));
        // A second Aead, from a client bound to the key's id, opens it too: the envelope names its key.
        try (CoffreKmsClient bound = new CoffreKmsClient("coffre://" + key.getId())) {
            bound.withCredentials(credentialsFile("tink-bound").toString());
            Aead byId = KmsEnvelopeAead.create(PredefinedAeadParameters.AES256_GCM,
                    bound.getAead("coffre://" + key.getId()));
            assertArrayEquals(record, byId.decrypt(ciphertext, RECORD_ID));
        }
    }

    @Test
    void aKeysetEncryptedUnderACoffreKeyIsWrittenAndReadBack() throws Exception {
        Aead keysetKey = kms.getAead("coffre://" + key.getId());
        KeysetHandle keyset = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM, RegistryConfiguration.get());
        byte[] keysetAd = "keyset of the orders service".getBytes(StandardCharsets.UTF_8);
        Path stored = dir.resolve("orders.keyset");

        Files.write(stored, TinkProtoKeysetFormat.serializeEncryptedKeyset(keyset, keysetKey, keysetAd,
                RegistryConfiguration.get()));
        KeysetHandle readBack = TinkProtoKeysetFormat.parseEncryptedKeyset(Files.readAllBytes(stored), keysetKey, keysetAd,
                RegistryConfiguration.get());

        byte[] data = secret("data under the keyset read back from disk");
        Aead written = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
        Aead read = readBack.getPrimitive(RegistryConfiguration.get(), Aead.class);
        assertArrayEquals(data, read.decrypt(written.encrypt(data, RECORD_ID), RECORD_ID));
        assertArrayEquals(TinkProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get(), RegistryConfiguration.get()),
                TinkProtoKeysetFormat.serializeKeyset(readBack, InsecureSecretKeyAccess.get(), RegistryConfiguration.get()));
        // The stored bytes are no plaintext keyset: without Coffre they do not parse.
        assertThrows(GeneralSecurityException.class,
                () -> TinkProtoKeysetFormat.parseKeyset(Files.readAllBytes(stored), InsecureSecretKeyAccess.get(),
                        RegistryConfiguration.get()));
    }

    @Test
    void aKmsEnvelopeKeysetNamingACoffreUriWorksThroughTinksRegistry() throws Exception {
        // Keysets of Tink's KMS-envelope key type name their KEK by URI and find its client in
        // KmsClients, the registry a service fills at start.
        com.google.crypto.tink.KmsClients.add(new CoffreKmsClient("coffre://alias/orders")
                .withCredentials(credentialsFile("tink-registry").toString()));
        KeysetHandle handle = KeysetHandle.generateNew(com.google.crypto.tink.aead.LegacyKmsEnvelopeAeadParameters.builder()
                .setKekUri("coffre://alias/orders")
                .setDekParsingStrategy(com.google.crypto.tink.aead.LegacyKmsEnvelopeAeadParameters.DekParsingStrategy
                        .ASSUME_AES_GCM)
                // The DEK is stored without Tink's key-id prefix (the legacy format).
                .setDekParametersForNewKeys(com.google.crypto.tink.aead.AesGcmParameters.builder().setKeySizeBytes(32)
                        .setIvSizeBytes(12).setTagSizeBytes(16)
                        .setVariant(com.google.crypto.tink.aead.AesGcmParameters.Variant.NO_PREFIX).build())
                .build(), RegistryConfiguration.get());
        Aead aead = handle.getPrimitive(RegistryConfiguration.get(), Aead.class);
        byte[] record = secret("a record sealed through Tink's registry");

        assertArrayEquals(record, aead.decrypt(aead.encrypt(record, RECORD_ID), RECORD_ID));
    }

    @Test
    void otherAssociatedDataFailsWithCoffresDecryptionFailure() throws Exception {
        Aead remote = kms.getAead("coffre://alias/orders");
        byte[] dataKey = secret("a data key of thirty-two bytes!!");
        byte[] wrapped = remote.encrypt(dataKey, RECORD_ID);

        GeneralSecurityException other = assertThrows(GeneralSecurityException.class,
                () -> remote.decrypt(wrapped, "order-4712".getBytes(StandardCharsets.UTF_8)));
        GeneralSecurityException none = assertThrows(GeneralSecurityException.class, () -> remote.decrypt(wrapped, null));
        Aead envelope = KmsEnvelopeAead.create(PredefinedAeadParameters.AES256_GCM, remote);
        byte[] sealed = envelope.encrypt(dataKey, RECORD_ID);
        assertThrows(GeneralSecurityException.class, () -> envelope.decrypt(sealed, new byte[0]));

        assertEquals("DECRYPTION_FAILED", assertInstanceOf(DecryptionFailedException.class, other.getCause()).reason());
        assertInstanceOf(DecryptionFailedException.class, none.getCause());
        assertArrayEquals(dataKey, remote.decrypt(wrapped, RECORD_ID));
    }

    @Test
    void anUnknownKeyIsCoffresTypedRefusalAsTheCause() throws Exception {
        Aead missing = kms.getAead("coffre://alias/no-such-key");

        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> missing.encrypt(new byte[32], RECORD_ID));

        // A service is not told whether a key it may not use exists: PERMISSION_DENIED, as for any refusal.
        AccessDeniedException cause = assertInstanceOf(AccessDeniedException.class, e.getCause());
        assertEquals("PERMISSION_DENIED", cause.reason());
        assertTrue(e.getMessage().startsWith("Coffre could not wrap under coffre://alias/no-such-key: PERMISSION_DENIED"),
                e.getMessage());
    }

    @Test
    void anAeadBoundToAKeyIdRefusesAnEnvelopeOfAnotherKey() throws Exception {
        byte[] wrappedByOther = kms.getAead("coffre://" + otherKey.getId()).encrypt(new byte[32], RECORD_ID);
        Aead orders = kms.getAead("coffre://" + key.getId());

        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> orders.decrypt(wrappedByOther, RECORD_ID));

        assertEquals("the ciphertext was made under " + otherKey.getId() + ", not under coffre://" + key.getId(),
                e.getMessage());
        assertNotEquals(key.getId(), otherKey.getId());
    }

    @Test
    void defaultCredentialsComeFromCoffreVariables() throws Exception {
        TestPki.Issued identity = node.pki().clientWithUri("tink-env", TestServer.SERVICE);
        Map<String, String> env = Map.of("COFFRE_ENDPOINT", "127.0.0.1:" + node.server().port(),
                "COFFRE_CA_CERT", node.pki().caFile().toString(),
                "COFFRE_CERT", identity.certificate().toString(),
                "COFFRE_KEY", identity.privateKey().toString());
        try (CoffreKmsClient fromEnv = new CoffreKmsClient(null, env::get).withDefaultCredentials()) {
            Aead remote = fromEnv.getAead("coffre://alias/orders");
            byte[] dataKey = secret("a data key wrapped via env creds");

            assertArrayEquals(dataKey, kms.getAead("coffre://alias/orders").decrypt(remote.encrypt(dataKey, RECORD_ID), RECORD_ID));
            assertThrows(GeneralSecurityException.class, fromEnv::withDefaultCredentials);
        }
    }
}
