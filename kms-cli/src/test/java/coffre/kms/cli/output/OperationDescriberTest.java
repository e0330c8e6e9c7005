package coffre.kms.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.AddOfficerOperation;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.ContextRequirement;
import coffre.kms.v1.CreateGrantOperation;
import coffre.kms.v1.CreateKeyOperation;
import coffre.kms.v1.CreateXksKeyStoreOperation;
import coffre.kms.v1.DecryptOnceOperation;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.GrantOperation;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerOperation;
import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.Operation;
import coffre.kms.v1.PruneAuditOperation;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.ScheduleKeyDeletionOperation;
import coffre.kms.v1.SetAccessPolicyOperation;
import coffre.kms.v1.RequestCondition;
import coffre.kms.v1.RuleEffect;
import coffre.kms.v1.SetApprovalPolicyOperation;
import coffre.kms.v1.SignatureAlgorithm;
import coffre.kms.v1.UnwrapOnceOperation;
import coffre.kms.v1.XksCredentialOperation;
import coffre.kms.v1.DkeKeyMappingOperation;
import coffre.kms.v1.XksKeyMappingOperation;
import coffre.kms.v1.XksKeyStoreOperation;
import coffre.kms.v1.signing.OfficerKeys;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.security.KeyPairGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** What officers read before signing: every kind of operation in plain words. */
class OperationDescriberTest {

    private static Operation.Builder op() {
        return Operation.newBuilder();
    }

    private static KeyOperation.Builder key(String id) {
        return KeyOperation.newBuilder().setKeyId(id);
    }

    static Stream<Arguments> operations() {
        return Stream.of(
                Arguments.of("create key with everything", op().setCreateKey(CreateKeyOperation.newBuilder()
                                .setAlias("orders").setDescription("Order data")
                                .putLabels("team", "shop").putLabels("env", "prod")
                                .setAccessPolicy(AccessPolicy.newBuilder()
                                        .addRules(AccessRule.newBuilder().addPrincipals("spiffe://a/*").addPrincipals("spiffe://b")
                                                .addOperations(DataOperation.WRAP).addOperations(DataOperation.UNWRAP))
                                        .addRules(AccessRule.newBuilder().addPrincipals("spiffe://c")
                                                .addOperations(DataOperation.GENERATE_DATA_KEY))
                                        .addRequiredContext(ContextRequirement.newBuilder().setKey("tenant"))
                                        .addRequiredContext(ContextRequirement.newBuilder().setKey("region")
                                                .addAllowedValues("eu").addAllowedValues("fr")))
                                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(true))).build(),
                        "Create a key with alias 'orders', description 'Order data', labels 'env=prod', 'team=shop', "
                                + "access policy: principals 'spiffe://a/*', 'spiffe://b' may WRAP, UNWRAP; principal "
                                + "'spiffe://c' may GENERATE_DATA_KEY; requires context key 'tenant'; requires context key "
                                + "'region' with one of the values 'eu', 'fr'; every unwrap needs officers' approval "
                                + "(break-glass key)"),
                Arguments.of("create bare key", op().setCreateKey(CreateKeyOperation.getDefaultInstance()).build(),
                        "Create a key without an alias, no access policy (nobody may use it until a policy or grant is approved)"),
                Arguments.of("create RSA decryption key", op().setCreateKey(CreateKeyOperation.newBuilder()
                                .setAlias("dke").setKeySpec(KeySpec.RSA_3072)
                                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(true))).build(),
                        "Create an asymmetric RSA_3072 key for decryption (RSA-OAEP) (ENCRYPT_DECRYPT, key pair generated "
                                + "in the HSM) with alias 'dke', no access policy (nobody may use it until a policy or grant "
                                + "is approved); every decryption needs officers' approval (break-glass key)"),
                Arguments.of("create EC signing key", op().setCreateKey(CreateKeyOperation.newBuilder()
                                .setKeySpec(KeySpec.EC_P384).setKeyUsage(KeyUsage.SIGN_VERIFY)).build(),
                        "Create an asymmetric EC_P384 key for signing and verifying (SIGN_VERIFY, key pair generated in "
                                + "the HSM) without an alias, no access policy (nobody may use it until a policy or grant "
                                + "is approved)"),
                Arguments.of("decrypt once", op().setDecryptOnce(DecryptOnceOperation.newBuilder()
                                .setPrincipal("dke:alice@example.com").setKeyId("key-a").setKeyVersion(2)
                                .setCiphertextSha256(ByteString.copyFrom(new byte[] {(byte) 0xab, 0x01}))).build(),
                        "Let principal 'dke:alice@example.com' decrypt once, with version 2 of key 'key-a', the "
                                + "ciphertext with SHA-256 ab01 (break-glass)"),
                Arguments.of("enable", op().setEnableKey(key("key-a")).build(),
                        "Enable key 'key-a': wrap and unwrap are allowed again under its policy"),
                Arguments.of("rotate", op().setRotateKey(key("key-a")).build(),
                        "Rotate key 'key-a': generate a new version in the HSM and make it primary (older versions still unwrap)"),
                Arguments.of("XKS rules with conditions and a DENY", op().setSetAccessPolicy(SetAccessPolicyOperation
                                .newBuilder().setKeyId("key-a").setAccessPolicy(AccessPolicy.newBuilder()
                                        .addRules(AccessRule.newBuilder().addPrincipals("xks:eu-store")
                                                .addOperations(DataOperation.WRAP).addOperations(DataOperation.UNWRAP)
                                                .addConditions(RequestCondition.newBuilder().setAttribute("kms_via_service")
                                                        .addValues("ebs").addValues("s3"))
                                                .addConditions(RequestCondition.newBuilder()
                                                        .setAttribute("aws_principal_arn")
                                                        .addValues("arn:aws:iam::111122223333:role/*")))
                                        .addRules(AccessRule.newBuilder().addPrincipals("xks:*")
                                                .addOperations(DataOperation.UNWRAP).setEffect(RuleEffect.DENY)))).build(),
                        "Replace the access policy of key 'key-a' with: principal 'xks:eu-store' may WRAP, UNWRAP, only "
                                + "on calls with request metadata (XKS) where 'kms_via_service' is one of 'ebs', 's3' and "
                                + "'aws_principal_arn' is 'arn:aws:iam::111122223333:role/*'; principal 'xks:*' may NOT "
                                + "(whatever other rules allow) UNWRAP"),
                Arguments.of("set empty policy", op().setSetAccessPolicy(SetAccessPolicyOperation.newBuilder().setKeyId("key-a")
                                .setAccessPolicy(AccessPolicy.getDefaultInstance())).build(),
                        "Replace the access policy of key 'key-a' with: nobody may use the key except through grants"),
                Arguments.of("grant", op().setCreateGrant(CreateGrantOperation.newBuilder().setGrant(GrantSpec.newBuilder()
                                .setKeyId("key-a").setPrincipal("spiffe://batch").addOperations(DataOperation.REWRAP)
                                .setNotBefore(Timestamp.newBuilder().setSeconds(1_767_225_600L))
                                .setNotAfter(Timestamp.newBuilder().setSeconds(1_769_882_400L)))).build(),
                        "Grant principal 'spiffe://batch' the right to REWRAP with key 'key-a', from 2026-01-01T00:00:00Z "
                                + "until 2026-01-31T18:00:00Z"),
                Arguments.of("schedule deletion default", op().setScheduleKeyDeletion(ScheduleKeyDeletionOperation.newBuilder()
                                .setKeyId("key-a")).build(),
                        "Schedule key 'key-a' for destruction: refused at once, its HSM material destroyed after 30 days "
                                + "(the server's default) unless the deletion is cancelled"),
                Arguments.of("schedule deletion 7", op().setScheduleKeyDeletion(ScheduleKeyDeletionOperation.newBuilder()
                                .setKeyId("key-a").setPendingWindowDays(7)).build(),
                        "Schedule key 'key-a' for destruction: refused at once, its HSM material destroyed after 7 days "
                                + "unless the deletion is cancelled"),
                Arguments.of("cancel deletion", op().setCancelKeyDeletion(key("key-a")).build(),
                        "Cancel the scheduled deletion of key 'key-a' (it returns to DISABLED)"),
                Arguments.of("break-glass on", op().setSetApprovalPolicy(SetApprovalPolicyOperation.newBuilder().setKeyId("key-a")
                                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(true))).build(),
                        "Make every unwrap with key 'key-a' wait for officers' approval (break-glass key)"),
                Arguments.of("break-glass off", op().setSetApprovalPolicy(SetApprovalPolicyOperation.newBuilder()
                                .setKeyId("key-a")).build(),
                        "Stop requiring officers' approval for unwraps with key 'key-a'"),
                Arguments.of("remove officer", op().setRemoveOfficer(OfficerOperation.newBuilder().setOfficerId("bob")).build(),
                        "Remove officer 'bob' for good: their key no longer signs and their past votes stop counting"),
                Arguments.of("reinstate officer", op().setReinstateOfficer(OfficerOperation.newBuilder().setOfficerId("bob")).build(),
                        "Reinstate suspended officer 'bob': they may sign again"),
                Arguments.of("quorum", op().setSetQuorumRule(QuorumRule.newBuilder().setThreshold(3).setMinPerOperator(1)).build(),
                        "Change the quorum rule to: 3 approvals from active officers, at least 1 from each operator"),
                Arguments.of("quorum 1", op().setSetQuorumRule(QuorumRule.newBuilder().setThreshold(1)).build(),
                        "Change the quorum rule to: 1 approval from active officers, no per-operator minimum"),
                Arguments.of("unwrap once", op().setUnwrapOnce(UnwrapOnceOperation.newBuilder().setPrincipal("spiffe://ops")
                                .setKeyId("key-a").setKeyVersion(2)
                                .setEnvelopeSha256(ByteString.copyFrom(new byte[] {1, 2}))
                                .setContextSha256(ByteString.copyFrom(new byte[] {(byte) 0xff}))).build(),
                        "Let principal 'spiffe://ops' unwrap once, with version 2 of key 'key-a', the envelope with "
                                + "SHA-256 0102 under the encryption context with SHA-256 ff (break-glass)"),
                Arguments.of("prune audit", op().setPruneAudit(PruneAuditOperation.newBuilder().setNode("node-1")
                                .setThroughSequence(1_000_000).setArchiveSha256(ByteString.copyFrom(new byte[] {1, 2}))).build(),
                        "Prune the audit log of node 'node-1' irreversibly: delete its events from the chain's start (or "
                                + "its last prune) through 1000000 (rounded down to a stored row) from the live tables; they "
                                + "then exist only in the archive with SHA-256 0102: check the archive's digest (`coffre "
                                + "audit verify-export FILE` prints it) and that it is stored before approving"),
                Arguments.of("disable", op().setDisableKey(key("key-a")).build(),
                        "Disable key 'key-a' at once: every wrap and unwrap with it is refused"),
                Arguments.of("revoke", op().setRevokeGrant(GrantOperation.newBuilder().setGrantId("grt-x")).build(),
                        "Revoke grant 'grt-x' at once"),
                Arguments.of("suspend", op().setSuspendOfficer(OfficerOperation.newBuilder().setOfficerId("bob")).build(),
                        "Suspend officer 'bob' at once: their signatures and votes stop counting"),
                Arguments.of("create key store", op().setCreateXksKeyStore(CreateXksKeyStoreOperation.newBuilder()
                                .setKeyStoreId("xks-a").setName("paris").setUriPath("/paris/kms/xks/v1").setRegion("eu-west-3")
                                .setAccessKeyId("ABCDEFGHIJKLMNOPQRSTUVWX")).build(),
                        "Create external key store 'paris' (id 'xks-a') for AWS KMS in region 'eu-west-3' at URI path "
                                + "'/paris/kms/xks/v1', with SigV4 credential 'ABCDEFGHIJKLMNOPQRSTUVWX' active: whoever holds "
                                + "its secret may call it for the keys later mapped to the store"),
                Arguments.of("activate credential", op().setActivateXksCredential(XksCredentialOperation.newBuilder()
                                .setKeyStoreId("xks-a").setAccessKeyId("ABCDEFGHIJKLMNOPQRSTUVWX")).build(),
                        "Activate SigV4 credential 'ABCDEFGHIJKLMNOPQRSTUVWX' of external key store 'xks-a': AWS KMS calls "
                                + "signed with its secret are accepted (at most two credentials are active per store)"),
                Arguments.of("enable key store", op().setEnableXksKeyStore(XksKeyStoreOperation.newBuilder()
                                .setKeyStoreId("xks-a")).build(),
                        "Enable external key store 'xks-a': AWS KMS may encrypt and decrypt again with the keys mapped to it"),
                Arguments.of("map external key", op().setMapXksKey(XksKeyMappingOperation.newBuilder().setKeyStoreId("xks-a")
                                .setExternalKeyId("orders").setKeyId("key-a")).build(),
                        "Map external key id 'orders' of external key store 'xks-a' to key 'key-a': AWS KMS may encrypt and "
                                + "decrypt with that key through the store, as the key's policy allows"),
                Arguments.of("disable key store", op().setDisableXksKeyStore(XksKeyStoreOperation.newBuilder()
                                .setKeyStoreId("xks-a")).build(),
                        "Disable external key store 'xks-a' at once: every AWS KMS encrypt and decrypt through it is refused"),
                Arguments.of("revoke credential", op().setRevokeXksCredential(XksCredentialOperation.newBuilder()
                                .setKeyStoreId("xks-a").setAccessKeyId("ABCDEFGHIJKLMNOPQRSTUVWX")).build(),
                        "Revoke SigV4 credential 'ABCDEFGHIJKLMNOPQRSTUVWX' of external key store 'xks-a' at once: its "
                                + "secret no longer authenticates and its HSM key is destroyed"),
                Arguments.of("unmap external key", op().setUnmapXksKey(XksKeyMappingOperation.newBuilder().setKeyStoreId("xks-a")
                                .setExternalKeyId("orders")).build(),
                        "Unmap external key id 'orders' of external key store 'xks-a' at once: AWS KMS no longer finds it"),
                Arguments.of("map DKE key name", op().setMapDkeKey(DkeKeyMappingOperation.newBuilder().setKeyName("finance")
                                .setKeyId("key-a")).build(),
                        "Map Double Key Encryption key name 'finance' to key 'key-a': Office clients of the label using "
                                + "this name may then encrypt to the key and decrypt with it (its access policy still decides who)"),
                Arguments.of("unmap DKE key name", op().setUnmapDkeKey(DkeKeyMappingOperation.newBuilder()
                                .setKeyName("finance")).build(),
                        "Unmap Double Key Encryption key name 'finance' at once: Office clients no longer find it, on every node"),
                Arguments.of("control characters", op().setEnableKey(key("key-a\u001b[2J\nrm")).build(),
                        "Enable key 'key-a [2J rm': wrap and unwrap are allowed again under its policy"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void plainWords(String name, Operation operation, String expected) {
        assertEquals(expected, OperationDescriber.describe(operation));
    }

    @Test
    void addOfficerShowsTheFingerprintComputedFromTheKey() throws Exception {
        OfficerPublicKey key = OfficerPublicKey.newBuilder().setAlgorithm(SignatureAlgorithm.ED25519)
                .setSpkiDer(ByteString.copyFrom(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded()))
                .build();
        Operation operation = op().setAddOfficer(AddOfficerOperation.newBuilder().setOfficer(Officer.newBuilder()
                .setId("dave").setDisplayName("Dave").setOperator("op-b").setPublicKey(key)
                .setFingerprint("a lie from the server"))).build();

        assertEquals("Add officer 'dave' ('Dave', operator 'op-b', no API principal) with ED25519 public key with "
                + "fingerprint " + OfficerKeys.fingerprint(key), OperationDescriber.describe(operation));
    }

    @Test
    void emptyOrUnknownOperationsAreRefused() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> OperationDescriber.describe(Operation.getDefaultInstance()));
        assertTrue(empty.getMessage().contains("empty or of a kind this version of coffre does not know"));

        Operation unknownEnum = op().setCreateGrant(CreateGrantOperation.newBuilder().setGrant(GrantSpec.newBuilder()
                .addOperationsValue(42))).build();
        assertThrows(IllegalArgumentException.class, () -> OperationDescriber.describe(unknownEnum));

        Operation unknownEffect = op().setSetAccessPolicy(SetAccessPolicyOperation.newBuilder().setKeyId("key-a")
                .setAccessPolicy(AccessPolicy.newBuilder().addRules(AccessRule.newBuilder().addPrincipals("xks:s")
                        .addOperations(DataOperation.WRAP).setEffectValue(7)))).build();
        assertThrows(IllegalArgumentException.class, () -> OperationDescriber.describe(unknownEffect),
                "an officer cannot judge a rule whose effect they cannot read");

        Operation unknownSpec = op().setCreateKey(CreateKeyOperation.newBuilder().setKeySpecValue(9)).build();
        assertThrows(IllegalArgumentException.class, () -> OperationDescriber.describe(unknownSpec),
                "an officer cannot judge a key whose kind they cannot read");
    }

    @ParameterizedTest
    @EnumSource(value = Operation.KindCase.class, names = "KIND_NOT_SET", mode = EnumSource.Mode.EXCLUDE)
    void everyKindIsCovered(Operation.KindCase kind) {
        boolean covered = operations().anyMatch(a -> ((Operation) a.get()[1]).getKindCase() == kind)
                || kind == Operation.KindCase.ADD_OFFICER;
        assertTrue(covered, kind + " has no plain-words case in this test");
    }
}
