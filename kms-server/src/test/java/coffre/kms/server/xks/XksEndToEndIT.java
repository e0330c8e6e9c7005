package coffre.kms.server.xks;

import static coffre.kms.server.xks.XksFixture.decryptBody;
import static coffre.kms.server.xks.XksFixture.encryptBody;
import static coffre.kms.server.xks.XksFixture.healthBody;
import static coffre.kms.server.xks.XksFixture.metadataBody;
import static coffre.kms.server.xks.XksFixture.requestId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.config.XksSettings;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateXksKeyStoreRequest;
import coffre.kms.v1.CreateXksKeyStoreResponse;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.DisableXksKeyStoreRequest;
import coffre.kms.v1.EnableXksKeyStoreRequest;
import coffre.kms.v1.Key;
import coffre.kms.v1.MapXksKeyRequest;
import coffre.kms.v1.Operation;
import coffre.kms.v1.RevokeXksCredentialRequest;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.RotateXksCredentialsRequest;
import coffre.kms.v1.RotateXksCredentialsResponse;
import coffre.kms.v1.XksAdminServiceGrpc.XksAdminServiceBlockingStub;
import coffre.kms.v1.XksCredentialOperation;
import coffre.kms.v1.XksKeyStoreOperation;
import coffre.kms.v1.XksSecretCredential;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 20 end to end, with nothing faked but the network: one node on SoftHSM whose XKS listener
 * serves the node's own key stores (the real key-store domain, credentials' secrets in the HSM),
 * set up as an administrator and the officers would: a key store made through
 * {@code XksAdminService.CreateKeyStore} and approved by two officers, an AES key whose policy lets
 * {@code xks:<store>} WRAP and UNWRAP, its external key id mapped through the quorum. Then, with the
 * secret shown once, the XKS API is called as AWS KMS would: by {@code curl --aws-sigv4} (a process
 * of its own, over HTTP/2 and HTTP/1.1) and by the AWS SDK's SigV4 signer; credentials are rotated
 * and revoked, the key rotated, the store disabled, each change taking effect on the next call.
 * Every secret and plaintext is recorded in the {@link SecretLedger}, so the leak scan looks for
 * them in the logs.
 */
class XksEndToEndIT {
    private static final String REGION = "eu-west-3";

    @TempDir
    static Path dir;
    static TestServer node;
    static XksAdminServiceBlockingStub admin;
    /** The store and key the transport tests share; the others make their own. */
    static Store paris;

    /** What the administrator received once (the AWS console's configuration file) and keeps. */
    record Credential(String accessKeyId, String secret) {
        @Override
        public String toString() {
            return "Credential[" + accessKeyId + "]";
        }
    }

    /** A key store made through the admin API: its id, name, API path and first credential. */
    record Store(String id, String name, String api, Credential first) {
        String path(String externalKeyId, String operation) {
            return api + "/keys/" + externalKeyId + "/" + operation;
        }
    }

    /** An XKS answer, whichever client got it. */
    record Answer(int status, String body, String httpVersion) {
        boolean isError(String errorName) {
            return body.startsWith("{\"errorName\":\"" + errorName + "\"");
        }

        String member(String name) {
            return XksTestClient.member(body, name);
        }

        byte[] bytes(String name) {
            String value = member(name);
            return value == null ? null : Base64.getDecoder().decode(value);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /** A client of the XKS API holding one credential: curl, or the JDK's client signed by the AWS SDK. */
    interface Caller {
        Answer post(String path, String body);
    }

    @BeforeAll
    static void start() {
        node = TestServer.startWithXks(dir.resolve("node"), new TestServer.XksSetup(pki -> {
            TestPki.Issued cert = pki.server("xks-server");
            return new XksSettings("127.0.0.1", 0, cert.certificate(), cert.privateKey(), null, List.of(), "Coffre",
                    null, null, Duration.ofSeconds(1), 256);
        }, null));
        admin = node.adminXks();
        paris = created("paris");
        mappedKey(paris, "orders");
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** The node's clock is fixed between moves; curl signs with the real time, so keep them together. */
    @BeforeEach
    void clockInStep() {
        Duration behind = Duration.between(node.now(), Instant.now());
        if (!behind.isNegative()) {
            node.clock().advance(behind);
        }
    }

    private static ApprovalRequest executed(ApprovalRequest request) {
        ApprovalRequest done = node.approve(request);
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.getFailureReason() + " " + done.getFailureMessage());
        return done;
    }

    private static Credential kept(XksSecretCredential credential) {
        SecretLedger.record(credential.getRawSecretAccessKey());
        return new Credential(credential.getAccessKeyId(), credential.getRawSecretAccessKey());
    }

    /** A key store asked for by the administrator and approved by Alice and Carol. */
    static Store created(String name) {
        CreateXksKeyStoreResponse response = admin.createKeyStore(CreateXksKeyStoreRequest.newBuilder().setName(name)
                .setUriPath("/" + name + "/kms/xks/v1").setRegion(REGION).build());
        Credential first = kept(response.getCredential());
        executed(response.getApprovalRequest());
        return new Store(response.getKeyStoreId(), name, response.getCredential().getUriPath(), first);
    }

    /** An AES key only the store may use (WRAP to encrypt, UNWRAP to decrypt), mapped through the quorum. */
    static Key mappedKey(Store store, String externalKeyId) {
        Key key = node.createKey(CreateKeyRequest.newBuilder().setAccessPolicy(AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("xks:" + store.name())
                        .addAllOperations(List.of(DataOperation.WRAP, DataOperation.UNWRAP)))).build());
        executed(admin.mapKey(MapXksKeyRequest.newBuilder().setKeyStoreId(store.id()).setExternalKeyId(externalKeyId)
                .setKeyId(key.getId()).build()).getApprovalRequest());
        return key;
    }

    private static coffre.kms.v1.OfficerSignature alice(Operation operation) {
        return node.officers().get("alice").actNow(operation, node.now());
    }

    /** The AWS SDK's signer (at the node's time) over the JDK's HTTP client. */
    static Caller sdk(Credential credential, HttpClient.Version version) {
        XksTestClient client = new XksTestClient(node.xksPort(), node.pki().caFile(), null, version);
        return (path, body) -> {
            XksTestClient.Response response = client.post(path, new AwsSdkSigner(credential.accessKeyId(),
                    credential.secret(), REGION, SigV4Verifier.SERVICE, node.now()), body);
            return new Answer(response.status(), response.body(), response.version() == HttpClient.Version.HTTP_2
                    ? "2" : "1.1");
        };
    }

    static Caller sdk(Credential credential) {
        return sdk(credential, HttpClient.Version.HTTP_2);
    }

    /**
     * {@code curl --aws-sigv4 "aws:amz:<region>:kms-xks-proxy"} as a process, as the spec's Appendix D
     * runs it, trusting the test CA. The {@code --user} option comes from a curl config file (mode
     * 600) rather than the command line, so the secret is in no process listing.
     */
    static Caller curl(Credential credential, String httpVersion) {
        return (path, body) -> {
            try {
                Path config = Files.createTempFile(dir, "curl", ".conf",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(config, "user = \"" + credential.accessKeyId() + ":" + credential.secret() + "\"\n");
                Path bodyFile = Files.writeString(Files.createTempFile(dir, "body", ".json"), body);
                List<String> command = new ArrayList<>(List.of("curl", "-sS", httpVersion, "--cacert",
                        node.pki().caFile().toString(), "--aws-sigv4", "aws:amz:" + REGION + ":kms-xks-proxy",
                        "--config", config.toString(), "-X", "POST", "-H", "Content-Type:application/json",
                        "--data-binary", "@" + bodyFile, "-w", "\n%{http_version} %{response_code}",
                        "--max-time", "10", "https://127.0.0.1:" + node.xksPort() + path));
                Process process = new ProcessBuilder(command).start();
                byte[] out = process.getInputStream().readAllBytes();
                byte[] err = process.getErrorStream().readAllBytes();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("curl did not finish");
                }
                Files.delete(config);
                Files.delete(bodyFile);
                String text = new String(out, StandardCharsets.UTF_8);
                assertEquals(0, process.exitValue(), new String(err, StandardCharsets.UTF_8));
                int last = text.lastIndexOf('\n');
                String[] status = text.substring(last + 1).split(" ");
                return new Answer(Integer.parseInt(status[1]), text.substring(0, last), status[0]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        };
    }

    private static byte[] plaintext(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        SecretLedger.record(bytes);
        return bytes;
    }

    private static byte[] sha256(byte[]... parts) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (byte[] part : parts) {
            digest.update(part);
        }
        return digest.digest();
    }

    /** The ciphertextMetadata Coffre writes: format 1, then the key version (big-endian). */
    private static byte[] metadataOfVersion(int version) {
        return new byte[] {1, (byte) (version >>> 24), (byte) (version >>> 16), (byte) (version >>> 8), (byte) version};
    }

    private static Answer encrypt(Caller caller, Store store, String externalKeyId, byte[] plaintext) {
        return caller.post(store.path(externalKeyId, "encrypt"), encryptBody(requestId(), plaintext, null, false));
    }

    private static Answer decrypt(Caller caller, Store store, String externalKeyId, Answer encrypted) {
        return caller.post(store.path(externalKeyId, "decrypt"), decryptBody(requestId(), encrypted.body(), null,
                encrypted.member("ciphertextMetadata")));
    }

    private static void assertRefused(Answer answer, int status, String errorName) {
        assertEquals(status, answer.status(), answer.body());
        assertTrue(answer.isError(errorName), answer.body());
    }

    /**
     * Health, metadata, an Encrypt with AAD and the integrity value, and its Decrypt, through
     * {@code caller}, each answer checked field by field.
     */
    private static void healthMetadataEncryptDecrypt(Caller caller, String httpVersion) throws Exception {
        Answer health = caller.post(paris.api() + "/health", healthBody());
        assertEquals(200, health.status(), health.body());
        assertEquals(httpVersion, health.httpVersion());
        assertEquals("ACTIVE", health.member("healthStatus"), health.body());
        assertTrue(health.body().matches(".*\"xksProxyFleetSize\":[1-9].*"), health.body());
        assertTrue(health.body().contains("\"xksProxyVendor\":\"Coffre\""), health.body());

        Answer metadata = caller.post(paris.path("orders", "metadata"), metadataBody(requestId()));
        assertEquals(200, metadata.status(), metadata.body());
        assertEquals("{\"keySpec\":\"AES_256\",\"keyUsage\":[\"ENCRYPT\",\"DECRYPT\"],\"keyStatus\":\"ENABLED\"}",
                metadata.body());

        byte[] plaintext = plaintext("a data key of AWS KMS, 32 bytes!");
        byte[] aad = "arn:aws:kms:eu-west-3:123456789012:key/e2e".getBytes(StandardCharsets.UTF_8);
        Answer encrypted = caller.post(paris.path("orders", "encrypt"), encryptBody(requestId(), plaintext, aad, true));
        assertEquals(200, encrypted.status(), encrypted.body());
        assertEquals(plaintext.length, encrypted.bytes("ciphertext").length);
        assertFalse(java.util.Arrays.equals(plaintext, encrypted.bytes("ciphertext")));
        assertEquals(12, encrypted.bytes("initializationVector").length);
        assertEquals(16, encrypted.bytes("authenticationTag").length);
        assertArrayEquals(metadataOfVersion(1), encrypted.bytes("ciphertextMetadata"));
        assertArrayEquals(sha256(aad, encrypted.bytes("ciphertextMetadata"), encrypted.bytes("initializationVector"),
                        encrypted.bytes("ciphertext"), encrypted.bytes("authenticationTag")),
                encrypted.bytes("ciphertextDataIntegrityValue"), "SHA-256(AAD || CM || IV || ciphertext || tag)");

        Answer decrypted = caller.post(paris.path("orders", "decrypt"), decryptBody(requestId(), encrypted.body(), aad,
                encrypted.member("ciphertextMetadata")));
        assertEquals(200, decrypted.status(), decrypted.body());
        assertEquals("{\"plaintext\":\"" + XksTestClient.b64(plaintext) + "\"}", decrypted.body());

        Answer wrongAad = caller.post(paris.path("orders", "decrypt"), decryptBody(requestId(), encrypted.body(),
                "another context".getBytes(StandardCharsets.UTF_8), encrypted.member("ciphertextMetadata")));
        assertRefused(wrongAad, 400, "InvalidCiphertextException");
    }

    @ParameterizedTest(name = "curl {0}")
    @ValueSource(strings = {"--http2", "--http1.1"})
    void curlsSigV4SignerIsServedHealthMetadataEncryptAndDecrypt(String httpVersion) throws Exception {
        Caller curl = curl(paris.first(), httpVersion);
        healthMetadataEncryptDecrypt(curl, httpVersion.equals("--http2") ? "2" : "1.1");

        byte[] plaintext = plaintext("curl encrypts, the AWS SDK decrypts");
        Answer encrypted = encrypt(curl, paris, "orders", plaintext);
        Answer decrypted = decrypt(sdk(paris.first()), paris, "orders", encrypted);
        assertEquals(200, decrypted.status(), decrypted.body());
        assertArrayEquals(plaintext, decrypted.bytes("plaintext"));
    }

    @ParameterizedTest(name = "AWS SDK signer over {0}")
    @EnumSource(HttpClient.Version.class)
    void theAwsSdkSignerIsServedHealthMetadataEncryptAndDecrypt(HttpClient.Version version) throws Exception {
        Caller sdk = sdk(paris.first(), version);
        healthMetadataEncryptDecrypt(sdk, version == HttpClient.Version.HTTP_2 ? "2" : "1.1");

        byte[] plaintext = plaintext("the AWS SDK encrypts, curl decrypts");
        Answer encrypted = encrypt(sdk, paris, "orders", plaintext);
        Answer decrypted = decrypt(curl(paris.first(), "--http2"), paris, "orders", encrypted);
        assertEquals(200, decrypted.status(), decrypted.body());
        assertArrayEquals(plaintext, decrypted.bytes("plaintext"));
    }

    @Test
    void aRotatedCredentialWorksBesideTheFirstAndARevokedOneIsRefusedAtOnce() {
        Store lyon = created("lyon");
        mappedKey(lyon, "k1");
        byte[] plaintext = plaintext("signed by either of two secrets");
        RotateXksCredentialsResponse rotated = admin.rotateCredentials(RotateXksCredentialsRequest.newBuilder()
                .setKeyStoreId(lyon.id()).build());
        Credential second = kept(rotated.getCredential());
        assertRefused(encrypt(sdk(second), lyon, "k1", plaintext), 401, "AuthenticationFailedException");
        assertRefused(encrypt(curl(second, "--http2"), lyon, "k1", plaintext), 401, "AuthenticationFailedException");

        executed(rotated.getApprovalRequest());
        for (Credential credential : List.of(lyon.first(), second)) {
            for (Caller caller : List.of(sdk(credential), curl(credential, "--http1.1"))) {
                Answer encrypted = encrypt(caller, lyon, "k1", plaintext);
                assertEquals(200, encrypted.status(), credential + ": " + encrypted);
                Answer decrypted = decrypt(caller, lyon, "k1", encrypted);
                assertEquals(200, decrypted.status(), credential + ": " + decrypted);
                assertArrayEquals(plaintext, decrypted.bytes("plaintext"));
            }
        }

        Operation revoke = Operation.newBuilder().setRevokeXksCredential(XksCredentialOperation.newBuilder()
                .setKeyStoreId(lyon.id()).setAccessKeyId(lyon.first().accessKeyId())).build();
        admin.revokeCredential(RevokeXksCredentialRequest.newBuilder().setKeyStoreId(lyon.id())
                .setAccessKeyId(lyon.first().accessKeyId()).setSignature(alice(revoke)).build());
        // At once: the first call after the revocation returned, whichever client and endpoint.
        assertRefused(encrypt(sdk(lyon.first()), lyon, "k1", plaintext), 401, "AuthenticationFailedException");
        assertRefused(curl(lyon.first(), "--http2").post(lyon.api() + "/health", healthBody()), 401,
                "AuthenticationFailedException");
        assertRefused(sdk(lyon.first()).post(lyon.path("k1", "metadata"), metadataBody(requestId())), 401,
                "AuthenticationFailedException");
        for (Caller caller : List.of(sdk(second), curl(second, "--http2"))) {
            Answer encrypted = encrypt(caller, lyon, "k1", plaintext);
            assertEquals(200, encrypted.status(), encrypted.body());
            assertArrayEquals(plaintext, decrypt(caller, lyon, "k1", encrypted).bytes("plaintext"));
        }
    }

    @Test
    void aCiphertextMadeBeforeTheKeyRotatedStillDecrypts() {
        Store nantes = created("nantes");
        Key key = mappedKey(nantes, "invoices");
        Caller sdk = sdk(nantes.first());
        byte[] plaintext = plaintext("made under version one of the key");
        Answer before = encrypt(sdk, nantes, "invoices", plaintext);
        assertEquals(200, before.status(), before.body());
        assertArrayEquals(metadataOfVersion(1), before.bytes("ciphertextMetadata"));

        assertEquals(2, node.approved(node.adminKeys().rotateKey(RotateKeyRequest.newBuilder().setKeyId(key.getId())
                .build()).getApprovalRequest()).getPrimaryVersion());

        Answer after = encrypt(sdk, nantes, "invoices", plaintext);
        assertEquals(200, after.status(), after.body());
        assertArrayEquals(metadataOfVersion(2), after.bytes("ciphertextMetadata"), "new ciphertexts: the new version");
        for (Caller caller : List.of(sdk, curl(nantes.first(), "--http2"))) {
            for (Answer encrypted : List.of(before, after)) {
                Answer decrypted = decrypt(caller, nantes, "invoices", encrypted);
                assertEquals(200, decrypted.status(), decrypted.body());
                assertArrayEquals(plaintext, decrypted.bytes("plaintext"));
            }
        }
        Answer forged = sdk.post(nantes.path("invoices", "decrypt"), decryptBody(requestId(), before.body(), null,
                Base64.getEncoder().encodeToString(metadataOfVersion(2))));
        assertRefused(forged, 400, "InvalidCiphertextException");
    }

    @Test
    void aDisabledKeyStoreSaysDisabledAndRefusesEncryptAndDecryptUntilTheQuorumEnablesIt() {
        Store lille = created("lille");
        mappedKey(lille, "payroll");
        byte[] plaintext = plaintext("sealed before the store was disabled");
        Answer sealed = encrypt(sdk(lille.first()), lille, "payroll", plaintext);
        assertEquals(200, sealed.status(), sealed.body());

        Operation disable = Operation.newBuilder().setDisableXksKeyStore(XksKeyStoreOperation.newBuilder()
                .setKeyStoreId(lille.id())).build();
        admin.disableKeyStore(DisableXksKeyStoreRequest.newBuilder().setKeyStoreId(lille.id())
                .setSignature(alice(disable)).build());
        for (Caller caller : List.of(sdk(lille.first()), curl(lille.first(), "--http2"))) {
            Answer metadata = caller.post(lille.path("payroll", "metadata"), metadataBody(requestId()));
            assertEquals(200, metadata.status(), metadata.body());
            assertEquals("DISABLED", metadata.member("keyStatus"), metadata.body());
            assertRefused(encrypt(caller, lille, "payroll", plaintext), 400, "InvalidStateException");
            assertRefused(decrypt(caller, lille, "payroll", sealed), 400, "InvalidStateException");
            // AWS KMS's periodic health check of a disabled store learns it too (spec: InvalidState covers health).
            assertRefused(caller.post(lille.api() + "/health", healthBody()), 400, "InvalidStateException");
        }
        assertEquals(200, encrypt(sdk(paris.first()), paris, "orders", plaintext).status(), "other stores serve");

        executed(admin.enableKeyStore(EnableXksKeyStoreRequest.newBuilder().setKeyStoreId(lille.id()).build())
                .getApprovalRequest());
        Answer decrypted = decrypt(sdk(lille.first()), lille, "payroll", sealed);
        assertEquals(200, decrypted.status(), decrypted.body());
        assertArrayEquals(plaintext, decrypted.bytes("plaintext"));
        assertEquals("ENABLED", sdk(lille.first()).post(lille.path("payroll", "metadata"), metadataBody(requestId()))
                .member("keyStatus"));
    }

    @Test
    void aStoresSecretOpensNoOtherStore() {
        Store other = created("rennes");
        mappedKey(other, "orders");
        assertRefused(encrypt(sdk(other.first()), paris, "orders", plaintext("another store's secret, refused")),
                401, "AuthenticationFailedException");
        assertRefused(curl(paris.first(), "--http2").post(other.api() + "/health", healthBody()), 401,
                "AuthenticationFailedException");
    }
}
