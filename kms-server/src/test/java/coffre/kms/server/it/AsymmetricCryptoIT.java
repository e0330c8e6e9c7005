package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.OpenSslCli;
import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.AsymmetricDecryptRequest;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc.CryptoServiceBlockingStub;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.EncryptionAlgorithm;
import coffre.kms.v1.GetPublicKeyRequest;
import coffre.kms.v1.GetPublicKeyResponse;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.SignRequest;
import coffre.kms.v1.SignResponse;
import coffre.kms.v1.SigningAlgorithm;
import coffre.kms.v1.VerifyRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Asymmetric keys end to end on a real node over a real SoftHSM token: keys made through the
 * quorum, RSA-OAEP decryption in the HSM of what the JDK and OpenSSL encrypted to the public key
 * GetPublicKey gave, signatures made in the HSM and checked by Verify, the JDK and OpenSSL,
 * rotation, the kill switch and the audit log.
 */
class AsymmetricCryptoIT {
    static final List<DataOperation> ASYMMETRIC = List.of(DataOperation.DECRYPT, DataOperation.SIGN,
            DataOperation.VERIFY, DataOperation.GET_PUBLIC_KEY);

    @TempDir
    static Path dir;
    @TempDir
    Path work;
    static TestServer node;
    static CryptoServiceBlockingStub crypto;

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
        crypto = node.serviceCrypto();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** A key of {@code spec} and {@code usage}, through the quorum, that the test services may use for everything. */
    static Key asymmetricKey(TestServer node, KeySpec spec, KeyUsage usage) {
        return node.createKey(CreateKeyRequest.newBuilder().setKeySpec(spec).setKeyUsage(usage)
                .setAccessPolicy(AccessPolicy.newBuilder().addRules(AccessRule.newBuilder()
                        .addPrincipals("spiffe://coffre.test/service/*").addAllOperations(ASYMMETRIC))).build());
    }

    private static GetPublicKeyResponse publicKey(String keyId, int version) {
        return crypto.getPublicKey(GetPublicKeyRequest.newBuilder().setKeyId(keyId).setKeyVersion(version).build());
    }

    private static PublicKey jca(GetPublicKeyResponse published) throws Exception {
        String algorithm = published.getKeySpec().name().startsWith("RSA") ? "RSA" : "EC";
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(
                published.getPublicKeyDer().toByteArray()));
    }

    private static byte[] jdkOaep(PublicKey key, byte[] plaintext) throws Exception {
        Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding", "SunJCE");
        cipher.init(Cipher.ENCRYPT_MODE, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                PSource.PSpecified.DEFAULT));
        return cipher.doFinal(plaintext);
    }

    private static byte[] decrypt(String keyId, int version, byte[] ciphertext) {
        return crypto.asymmetricDecrypt(AsymmetricDecryptRequest.newBuilder().setKeyId(keyId).setKeyVersion(version)
                .setCiphertext(ByteString.copyFrom(ciphertext)).setAlgorithm(EncryptionAlgorithm.RSAES_OAEP_SHA_256)
                .build()).getPlaintext().toByteArray();
    }

    private static SignResponse sign(String keyId, byte[] message) {
        return crypto.sign(SignRequest.newBuilder().setKeyId(keyId).setMessage(ByteString.copyFrom(message)).build());
    }

    private static boolean verify(String keyId, int version, byte[] message, byte[] signature) {
        return crypto.verify(VerifyRequest.newBuilder().setKeyId(keyId).setKeyVersion(version)
                .setMessage(ByteString.copyFrom(message)).setSignature(ByteString.copyFrom(signature)).build())
                .getValid();
    }

    private static byte[] secret(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        SecretLedger.record(bytes);
        return bytes;
    }

    @Test
    void theKeyShowsItsSpecUsageAndEachVersionsPublicKey() throws Exception {
        Key key = asymmetricKey(node, KeySpec.RSA_3072, KeyUsage.ENCRYPT_DECRYPT);
        assertEquals(KeySpec.RSA_3072, key.getKeySpec());
        assertEquals(KeyUsage.ENCRYPT_DECRYPT, key.getKeyUsage());
        GetPublicKeyResponse published = publicKey(key.getId(), 0);
        assertEquals(1, published.getKeyVersion());
        assertEquals(key.getVersions(0).getPublicKeyDer(), published.getPublicKeyDer());
        assertEquals(EncryptionAlgorithm.RSAES_OAEP_SHA_256, published.getEncryptionAlgorithm());
        assertEquals(3072, ((RSAPublicKey) jca(published)).getModulus().bitLength());
        OpenSslCli openssl = new OpenSslCli(work);
        Path pem = openssl.write("pub.pem", published.getPublicKeyPem().getBytes(StandardCharsets.US_ASCII));
        OpenSslCli.Result text = openssl.run("pkey", "-pubin", "-in", pem.toString(), "-noout", "-text");
        assertTrue(text.ok() && text.output().contains("3072 bit"), text.output());
        Key aes = node.createKey();
        assertEquals(KeySpec.AES_256, aes.getKeySpec());
        assertTrue(aes.getVersions(0).getPublicKeyDer().isEmpty());
    }

    @Test
    void whatTheJdkEncryptsToThePublicKeyDecryptsInTheHsm() throws Exception {
        Key key = asymmetricKey(node, KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT);
        byte[] plaintext = secret("document key from the JDK");
        byte[] ciphertext = jdkOaep(jca(publicKey(key.getId(), 0)), plaintext);
        assertArrayEquals(plaintext, decrypt(key.getId(), 0, ciphertext));
        assertArrayEquals(plaintext, decrypt(key.getId(), 1, ciphertext));
    }

    @Test
    void whatOpensslEncryptsToThePublicKeyDecryptsInTheHsm() {
        Key key = asymmetricKey(node, KeySpec.RSA_3072, KeyUsage.ENCRYPT_DECRYPT);
        OpenSslCli openssl = new OpenSslCli(work);
        Path pem = openssl.write("pub.pem", publicKey(key.getId(), 0).getPublicKeyPem().getBytes(StandardCharsets.US_ASCII));
        byte[] plaintext = secret("document key from openssl");
        Path in = openssl.write("plain.bin", plaintext);
        OpenSslCli.Result encrypted = openssl.run("pkeyutl", "-encrypt", "-pubin", "-inkey", pem.toString(),
                "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256",
                "-in", in.toString(), "-out", "cipher.bin");
        assertTrue(encrypted.ok(), encrypted.output());
        byte[] ciphertext = openssl.read(work.resolve("cipher.bin"));
        assertEquals(384, ciphertext.length);
        assertArrayEquals(plaintext, decrypt(key.getId(), 0, ciphertext));
    }

    @Test
    void anRsa4096KeyDecryptsToo() throws Exception {
        Key key = asymmetricKey(node, KeySpec.RSA_4096, KeyUsage.ENCRYPT_DECRYPT);
        PublicKey rsa = jca(publicKey(key.getId(), 0));
        assertEquals(4096, ((RSAPublicKey) rsa).getModulus().bitLength());
        byte[] plaintext = secret("four thousand ninety-six");
        assertArrayEquals(plaintext, decrypt(key.getId(), 0, jdkOaep(rsa, plaintext)));
    }

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"RSA_2048", "RSA_3072", "EC_P256", "EC_P384"})
    void signaturesMadeInTheHsmVerifyInCoffreTheJdkAndOpenssl(KeySpec spec) throws Exception {
        Key key = asymmetricKey(node, spec, KeyUsage.SIGN_VERIFY);
        GetPublicKeyResponse published = publicKey(key.getId(), 0);
        byte[] message = ("an order to pay, signed by " + spec).getBytes(StandardCharsets.UTF_8);
        SignResponse signed = sign(key.getId(), message);
        SigningAlgorithm algorithm = signed.getAlgorithm();
        assertEquals(published.getSigningAlgorithm(), algorithm);
        byte[] signature = signed.getSignature().toByteArray();

        assertTrue(verify(key.getId(), 0, message, signature), "Coffre's Verify");
        assertTrue(jdkVerifies(algorithm, jca(published), message, signature), "the JDK");

        OpenSslCli openssl = new OpenSslCli(work);
        Path pem = openssl.write("pub.pem", published.getPublicKeyPem().getBytes(StandardCharsets.US_ASCII));
        Path msg = openssl.write("msg.bin", message);
        Path sig = openssl.write("sig.bin", signature);
        String hash = algorithm == SigningAlgorithm.ECDSA_SHA_384 ? "sha384" : "sha256";
        List<String> dgst = new java.util.ArrayList<>(List.of("dgst", "-" + hash, "-verify", pem.toString(),
                "-signature", sig.toString()));
        List<String> pkeyutl = new java.util.ArrayList<>(List.of("pkeyutl", "-verify", "-pubin", "-inkey", pem.toString(),
                "-sigfile", sig.toString(), "-pkeyopt", "digest:" + hash));
        if (algorithm == SigningAlgorithm.RSASSA_PSS_SHA_256) {
            dgst.addAll(List.of("-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sigopt",
                    "rsa_mgf1_md:sha256"));
            pkeyutl.addAll(List.of("-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:32"));
        }
        dgst.add(msg.toString());
        OpenSslCli.Result byDgst = openssl.run(dgst.toArray(String[]::new));
        assertTrue(byDgst.ok() && byDgst.output().contains("Verified OK"), byDgst.output());
        byte[] digest = MessageDigest.getInstance(hash.equals("sha384") ? "SHA-384" : "SHA-256").digest(message);
        pkeyutl.addAll(List.of("-in", openssl.write("digest.bin", digest).toString()));
        OpenSslCli.Result byPkeyutl = openssl.run(pkeyutl.toArray(String[]::new));
        assertTrue(byPkeyutl.ok() && byPkeyutl.output().contains("Signature Verified Successfully"),
                byPkeyutl.output());

        // A digest is the same input as its message; a changed signature or message does not verify.
        SignResponse overDigest = crypto.sign(SignRequest.newBuilder().setKeyId(key.getId())
                .setDigest(ByteString.copyFrom(digest)).setAlgorithm(algorithm).build());
        assertTrue(jdkVerifies(algorithm, jca(published), message, overDigest.getSignature().toByteArray()));
        assertTrue(crypto.verify(VerifyRequest.newBuilder().setKeyId(key.getId()).setDigest(ByteString.copyFrom(digest))
                .setSignature(overDigest.getSignature()).build()).getValid());
        byte[] tampered = signature.clone();
        tampered[signature.length - 3] ^= 0x10;
        assertFalse(verify(key.getId(), 0, message, tampered));
        assertFalse(verify(key.getId(), 0, "another order".getBytes(StandardCharsets.UTF_8), signature));
    }

    static boolean jdkVerifies(SigningAlgorithm algorithm, PublicKey key, byte[] message, byte[] signature)
            throws Exception {
        Signature verifier;
        if (algorithm == SigningAlgorithm.RSASSA_PSS_SHA_256) {
            verifier = Signature.getInstance("RSASSA-PSS");
            verifier.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        } else {
            verifier = Signature.getInstance(algorithm == SigningAlgorithm.ECDSA_SHA_256 ? "SHA256withECDSA"
                    : "SHA384withECDSA");
        }
        verifier.initVerify(key);
        verifier.update(message);
        return verifier.verify(signature);
    }

    @Test
    void aRotatedKeyKeepsDecryptingAndVerifyingItsOldVersions() throws Exception {
        Key decrypts = asymmetricKey(node, KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT);
        Key signs = asymmetricKey(node, KeySpec.EC_P256, KeyUsage.SIGN_VERIFY);
        byte[] plaintext = secret("encrypted before the rotation");
        byte[] forV1 = jdkOaep(jca(publicKey(decrypts.getId(), 0)), plaintext);
        byte[] message = "signed before the rotation".getBytes(StandardCharsets.UTF_8);
        SignResponse byV1 = sign(signs.getId(), message);

        Key rotated = node.approved(node.adminKeys().rotateKey(RotateKeyRequest.newBuilder()
                .setKeyId(decrypts.getId()).build()).getApprovalRequest());
        node.approved(node.adminKeys().rotateKey(RotateKeyRequest.newBuilder().setKeyId(signs.getId()).build())
                .getApprovalRequest());
        assertEquals(2, rotated.getPrimaryVersion());
        assertFalse(rotated.getVersions(0).getPublicKeyDer().equals(rotated.getVersions(1).getPublicKeyDer()),
                "a new key pair");
        assertEquals(2, publicKey(decrypts.getId(), 0).getKeyVersion());

        assertArrayEquals(plaintext, decrypt(decrypts.getId(), 1, forV1));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "DECRYPTION_FAILED", () -> decrypt(decrypts.getId(), 0, forV1));
        byte[] forV2 = jdkOaep(jca(publicKey(decrypts.getId(), 2)), plaintext);
        assertArrayEquals(plaintext, decrypt(decrypts.getId(), 0, forV2));

        assertTrue(verify(signs.getId(), 1, message, byV1.getSignature().toByteArray()));
        assertFalse(verify(signs.getId(), 0, message, byV1.getSignature().toByteArray()), "the primary is v2");
        assertEquals(2, sign(signs.getId(), message).getKeyVersion());
        Errors.Seen unknown = Errors.expect(Status.Code.NOT_FOUND, "KEY_VERSION_NOT_FOUND", () -> publicKey(signs.getId(), 3));
        assertEquals("2", unknown.metadata().get("versions"));
    }

    @Test
    void aDisabledKeyIsRefusedEveryOperationOnTheNextCall() throws Exception {
        Key decrypts = asymmetricKey(node, KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT);
        Key signs = asymmetricKey(node, KeySpec.EC_P384, KeyUsage.SIGN_VERIFY);
        byte[] ciphertext = jdkOaep(jca(publicKey(decrypts.getId(), 0)), secret("x"));
        byte[] signature = sign(signs.getId(), new byte[] {1}).getSignature().toByteArray();
        node.disable(decrypts.getId());
        node.disable(signs.getId());
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> decrypt(decrypts.getId(), 0, ciphertext));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> publicKey(decrypts.getId(), 0));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> sign(signs.getId(), new byte[] {1}));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED",
                () -> verify(signs.getId(), 0, new byte[] {1}, signature));
    }

    @Test
    void everyCallIsAuditedWithItsOutcome() throws Exception {
        Key key = asymmetricKey(node, KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT);
        byte[] ciphertext = jdkOaep(jca(publicKey(key.getId(), 0)), secret("audited"));
        decrypt(key.getId(), 1, ciphertext);
        byte[] tampered = ciphertext.clone();
        tampered[7] ^= 1;
        Errors.expect(Status.Code.INVALID_ARGUMENT, "DECRYPTION_FAILED", () -> decrypt(key.getId(), 1, tampered));
        Key signs = asymmetricKey(node, KeySpec.EC_P256, KeyUsage.SIGN_VERIFY);
        verify(signs.getId(), 0, new byte[] {1}, new byte[] {0x30, 0});

        List<coffre.kms.v1.AuditEvent> decrypts = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setType("ASYMMETRIC_DECRYPT").setKeyId(key.getId()).setPageSize(100).build()).getEventsList();
        assertEquals(List.of("ALLOWED", "DENIED"), decrypts.stream().map(e -> e.getDecision()).toList());
        assertEquals(List.of("", "DECRYPTION_FAILED"), decrypts.stream().map(e -> e.getReason()).toList());
        assertEquals(TestServer.SERVICE, decrypts.get(0).getPrincipal());
        assertEquals(1, decrypts.get(0).getKeyVersion());
        assertEquals("algorithm=RSAES_OAEP_SHA_256", decrypts.get(0).getDetail());
        List<coffre.kms.v1.AuditEvent> publicKeys = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setType("GET_PUBLIC_KEY").setKeyId(key.getId()).setPageSize(100).build()).getEventsList();
        assertEquals(1, publicKeys.size());
        List<coffre.kms.v1.AuditEvent> verifies = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setType("VERIFY").setKeyId(signs.getId()).setPageSize(100).build()).getEventsList();
        assertEquals("algorithm=ECDSA_SHA_256 valid=false", verifies.get(0).getDetail());
    }

    @Test
    void nothingAsymmetricLeavesThePlaintextInTheAuditLog() throws Exception {
        Key key = asymmetricKey(node, KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT);
        byte[] plaintext = secret("never in the audit log");
        decrypt(key.getId(), 0, jdkOaep(jca(publicKey(key.getId(), 0)), plaintext));
        String all = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder().setKeyId(key.getId())
                .setPageSize(100).build()).toString();
        assertFalse(all.contains("never in the audit log"));
        assertFalse(all.contains(java.util.HexFormat.of().formatHex(plaintext)));
    }
}
