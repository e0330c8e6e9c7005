package coffre.kms.server.xks;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.config.XksSettings;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Key;
import coffre.kms.v1.RequestCondition;
import coffre.kms.v1.RuleEffect;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A real node (SoftHSM, embedded store) with its XKS listener on 127.0.0.1, one key store
 * ({@value #STORE_NAME} at {@value #PREFIX}, region us-east-1, the credential of
 * {@link AwsSdkSigner#standard}) in an {@link InMemoryKeyStores}, and helpers to write the spec's
 * requests. Shared by the XKS integration tests.
 */
final class XksFixture implements AutoCloseable {
    static final String STORE_ID = "xks-eustore0000000001";
    static final String STORE_NAME = "eu-store";
    static final String PREFIX = "/example/uri/path/prefix";
    static final String API = PREFIX + "/kms/xks/v1";
    static final String ALICE = "arn:aws:iam::123456789012:user/Alice";
    static final String KMS_KEY_ARN = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    final InMemoryKeyStores stores;
    final TestServer node;

    private XksFixture(TestServer node, InMemoryKeyStores stores) {
        this.node = node;
        this.stores = stores;
    }

    /** A node whose XKS listener has server TLS only, {@code requestTimeout} and {@code maxInFlight}. */
    static XksFixture start(Path dir, Duration requestTimeout, int maxInFlight) {
        return start(dir, requestTimeout, maxInFlight, null, List.of());
    }

    /** As above, with mutual TLS: clients must chain to {@code clientCa} and have one of {@code subjects}. */
    static XksFixture start(Path dir, Duration requestTimeout, int maxInFlight, Path clientCa, List<String> subjects) {
        InMemoryKeyStores stores = new InMemoryKeyStores();
        stores.addStore(STORE_ID, STORE_NAME, PREFIX, "us-east-1");
        stores.addCredential(STORE_ID, AwsSdkSigner.ACCESS_KEY_ID, AwsSdkSigner.SECRET);
        TestServer node = TestServer.startWithXks(dir, new TestServer.XksSetup(pki -> {
            TestPki.Issued cert = pki.server("xks-server");
            return new XksSettings("127.0.0.1", 0, cert.certificate(), cert.privateKey(), clientCa,
                    subjects.stream().map(javax.security.auth.x500.X500Principal::new).toList(), "Coffre", null, null,
                    requestTimeout, maxInFlight);
        }, stores));
        return new XksFixture(node, stores);
    }

    XksTestClient client(HttpClient.Version version) {
        return new XksTestClient(node.xksPort(), node.pki().caFile(), null, version);
    }

    XksTestClient client(HttpClient.Version version, TestPki.Issued identity) {
        return new XksTestClient(node.xksPort(), node.pki().caFile(), identity, version);
    }

    /** A signer of the store's credential at the node's time. */
    AwsSdkSigner signer() {
        return AwsSdkSigner.standard(now());
    }

    Instant now() {
        return node.clock().instant();
    }

    /**
     * A Coffre key the store may use: WRAP and UNWRAP for {@code xks:eu-store}, plus what
     * {@code extra} adds; mapped as {@code externalKeyId}.
     */
    Key mappedKey(String externalKeyId, AccessRule... extra) {
        AccessPolicy.Builder policy = AccessPolicy.newBuilder();
        if (extra.length == 0) {
            policy.addRules(rule(DataOperation.WRAP, DataOperation.UNWRAP));
        }
        for (AccessRule rule : extra) {
            policy.addRules(rule);
        }
        Key key = node.createKey(CreateKeyRequest.newBuilder().setAccessPolicy(policy).build());
        stores.map(STORE_ID, externalKeyId, key.getId());
        return key;
    }

    static AccessRule rule(DataOperation... operations) {
        return AccessRule.newBuilder().addPrincipals("xks:" + STORE_NAME).addAllOperations(List.of(operations)).build();
    }

    static AccessRule conditional(RuleEffect effect, String attribute, List<String> values, DataOperation... operations) {
        return rule(operations).toBuilder().setEffect(effect)
                .addConditions(RequestCondition.newBuilder().setAttribute(attribute).addAllValues(values)).build();
    }

    static String metadata(String operation, String requestId) {
        return "{\"awsPrincipalArn\":\"" + ALICE + "\",\"kmsKeyArn\":\"" + KMS_KEY_ARN + "\",\"kmsOperation\":\""
                + operation + "\",\"kmsRequestId\":\"" + requestId + "\",\"kmsViaService\":\"ebs\"}";
    }

    static String requestId() {
        return UUID.randomUUID().toString();
    }

    static String healthBody() {
        return "{\"requestMetadata\":{\"kmsOperation\":\"KmsHealthCheck\",\"kmsRequestId\":\"" + requestId() + "\"}}";
    }

    static String metadataBody(String requestId) {
        return "{\"requestMetadata\":" + metadata("DescribeKey", requestId) + "}";
    }

    /** An Encrypt body; {@code aad} null: no AAD member. The plaintext is recorded for the leak scan. */
    static String encryptBody(String requestId, byte[] plaintext, byte[] aad, boolean integrityValue) {
        SecretLedger.record(plaintext);
        return "{\"requestMetadata\":" + metadata("Encrypt", requestId) + ",\"plaintext\":\""
                + XksTestClient.b64(plaintext) + "\",\"encryptionAlgorithm\":\"AES_GCM\""
                + (aad == null ? "" : ",\"additionalAuthenticatedData\":\"" + XksTestClient.b64(aad) + "\"")
                + (integrityValue ? ",\"ciphertextDataIntegrityValueAlgorithm\":\"SHA_256\"" : "") + "}";
    }

    /** A Decrypt body that sends back what an Encrypt answered; {@code metadata} null: none. */
    static String decryptBody(String requestId, String encrypted, byte[] aad, String metadata) {
        return "{\"requestMetadata\":" + metadata("Decrypt", requestId) + ",\"ciphertext\":\""
                + XksTestClient.member(encrypted, "ciphertext") + "\",\"encryptionAlgorithm\":\"AES_GCM\""
                + (metadata == null ? "" : ",\"ciphertextMetadata\":\"" + metadata + "\"")
                + (aad == null ? "" : ",\"additionalAuthenticatedData\":\"" + XksTestClient.b64(aad) + "\"")
                + ",\"initializationVector\":\"" + XksTestClient.member(encrypted, "initializationVector")
                + "\",\"authenticationTag\":\"" + XksTestClient.member(encrypted, "authenticationTag") + "\"}";
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String path(String externalKeyId, String operation) {
        return API + "/keys/" + externalKeyId + "/" + operation;
    }

    @Override
    public void close() {
        node.close();
    }
}
