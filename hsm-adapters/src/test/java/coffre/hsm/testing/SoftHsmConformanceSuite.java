package coffre.hsm.testing;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;
import coffre.hsm.pkcs11.Pkcs11Hsm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HsmConformanceSuite} against the shared SoftHSM2 test token, with an independent view
 * through OpenSC {@code pkcs11-tool}, a second JVM for the cross-process check, and OpenSSL on the
 * command line for what key pairs make (signatures it must verify, ciphertexts of its own that the
 * HSM must decrypt).
 */
public abstract class SoftHsmConformanceSuite extends HsmConformanceSuite {
    private static final HexFormat HEX = HexFormat.of();

    /** Whether this run uses session-object copies of token keys. */
    protected abstract boolean sessionKeyCopies();

    protected int sessions() {
        return 4;
    }

    @Override
    protected Hsm openHsm() {
        return Pkcs11Hsm.open(SoftHsmTestToken.get().config(sessions(), sessionKeyCopies()));
    }

    @Override
    protected Optional<Map<String, SoftHsmTestToken.ToolObject>> independentView() {
        return Optional.of(SoftHsmTestToken.get().pkcs11ToolObjects());
    }

    /** Decrypts {@code ct} with the key {@code label} in a second JVM that opens the token afresh. */
    private static byte[] decryptInAnotherProcess(String label, GcmCiphertext ct, byte[] aad) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("--add-opens", "jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED",
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), DecryptInChildProcess.class.getName(),
                label, HEX.formatHex(ct.iv()), HEX.formatHex(aad), HEX.formatHex(ct.ciphertextAndTag())));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("child JVM failed: " + out);
            }
            String line = out.lines().filter(l -> l.startsWith("plaintext=")).findFirst()
                    .orElseThrow(() -> new AssertionError("child JVM printed no plaintext: " + out));
            return HEX.parseHex(line.substring("plaintext=".length()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void sessionKeyCopiesAreUsedExactlyWhenConfigured() {
        assertEquals(sessionKeyCopies(), hsm.info().sessionKeyCopies());
        assertEquals("softhsm2", hsm.info().profile());
        assertEquals(SoftHsmTestToken.LABEL, hsm.info().tokenLabel());
        assertEquals("SoftHSM project", hsm.info().manufacturer());
        assertEquals(sessions(), hsm.info().sessions());
    }

    @Test
    void generatedKeyIsSensitiveLocalNeverExtractableForAnIndependentClient() {
        Map<String, SoftHsmTestToken.ToolObject> objects = SoftHsmTestToken.get().pkcs11ToolObjects();
        SoftHsmTestToken.ToolObject o = objects.get(key.label());
        assertTrue(o != null, "independent client does not list " + key.label() + ": " + objects.keySet());
        assertTrue(o.type().contains("AES length 32"), o.type());
        assertTrue(o.sensitive(), "sensitive: " + o.access());
        assertTrue(o.alwaysSensitive(), "always sensitive: " + o.access());
        assertFalse(o.extractable(), "extractable: " + o.access());
        assertTrue(o.neverExtractable(), "never extractable: " + o.access());
        assertTrue(o.local(), "local: " + o.access());
        assertEquals(Set.of("encrypt", "decrypt"), o.usage());
    }

    @Test
    void anotherProcessDecryptsWithTheSameKey() {
        byte[] aad = "ctx".getBytes(StandardCharsets.UTF_8);
        GcmCiphertext ct = hsm.encrypt(key, aad, "across processes".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("across processes".getBytes(StandardCharsets.UTF_8),
                decryptInAnotherProcess(key.label(), ct, aad));
    }

    @Test
    void anImportedMacKeyIsSensitiveAndNeverReadableForAnIndependentClient() {
        String label = "conf-imported-" + Long.toHexString(System.nanoTime());
        hsm.importMacKey(label, new byte[48]);
        try {
            SoftHsmTestToken.ToolObject o = SoftHsmTestToken.get().pkcs11ToolObjects().get(label);
            assertTrue(o != null, "independent client does not list " + label);
            assertTrue(o.type().contains("Generic secret length 48"), o.type());
            assertTrue(o.sensitive(), "sensitive: " + o.access());
            assertFalse(o.extractable(), "extractable: " + o.access());
            // pkcs11-tool never prints "sign" for secret keys: verify stands for the MAC usages.
            assertEquals(Set.of("verify"), o.usage());
        } finally {
            hsm.destroyKey(label);
        }
    }

    // ---- key pairs, seen by other clients ----

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("coffre.hsm.testing.KeyPairConformance#validPairs")
    void everyPrivateKeyIsSensitiveNeverExtractableLocalAndAllowedOneUseForAnIndependentClient(KeyPairSpec spec,
                                                                                               KeyPairUsage usage) {
        String label = pair(spec, usage).privateKey().label();
        SoftHsmTestToken.ToolObject priv = SoftHsmTestToken.get().pkcs11ToolPrivateKeys().get(label);
        SoftHsmTestToken.ToolObject pub = SoftHsmTestToken.get().pkcs11ToolPublicKeys().get(label);
        assertTrue(priv != null && pub != null, "independent client lists both halves of " + label);
        String family = spec.family() == KeyPairSpec.Family.RSA ? "RSA" : "EC";
        assertTrue(priv.type().contains(family), priv.type());
        assertTrue(priv.sensitive(), "sensitive: " + priv.access());
        assertTrue(priv.alwaysSensitive(), "always sensitive: " + priv.access());
        assertFalse(priv.extractable(), "extractable: " + priv.access());
        assertTrue(priv.neverExtractable(), "never extractable: " + priv.access());
        assertTrue(priv.local(), "local: " + priv.access());
        assertEquals(Set.of(usage == KeyPairUsage.DECRYPT ? "decrypt" : "sign"), priv.usage());
        assertEquals(Set.of(usage == KeyPairUsage.DECRYPT ? "encrypt" : "verify"), pub.usage());
        assertEquals(32, priv.id().length(), "a 16-byte CKA_ID: " + priv.id());
        assertEquals(priv.id(), pub.id(), "both halves share the CKA_ID");
    }

    /**
     * OpenSC 0.23 does not try to read a private key out ("not (yet) supported"): nothing comes
     * out, whatever its exit code. {@code KeyPairExtractionIT} makes the real attempts through the
     * PKCS#11 API (read the secret attributes, make the key extractable, copy it, wrap it).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = KeyPairSpec.class, names = {"RSA_2048", "EC_P256"})
    void anIndependentClientGetsNothingOutOfAPrivateKey(KeyPairSpec spec, @TempDir Path dir) {
        String label = pair(spec, KeyPairUsage.SIGN).privateKey().label();
        Path out = dir.resolve("stolen.der");
        try {
            SoftHsmTestToken.get().pkcs11Tool("--read-object", "--type", "privkey", "--label", label,
                    "--output-file", out.toString());
        } catch (IllegalStateException refused) {
            assertTrue(refused.getMessage().contains("exited with"), refused.getMessage());
        }
        assertFalse(out.toFile().length() > 0, "pkcs11-tool wrote something out");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(KeyPairSpec.class)
    void openSslVerifiesTheHsmsSignaturesAndRefusesThemForAnotherMessage(KeyPairSpec spec, @TempDir Path dir) {
        HsmKeyPair pair = pair(spec, KeyPairUsage.SIGN);
        SignatureScheme scheme = SignatureScheme.forSpec(spec);
        byte[] message = ("signed by the HSM with " + spec).getBytes(StandardCharsets.UTF_8);
        byte[] signature = hsm.signDigest(pair.privateKey(), scheme, KeyPairConformance.digest(scheme, message));
        OpenSslCli openssl = new OpenSslCli(dir);
        Path pem = openssl.publicKeyPem("pub", pair.publicKeyDer());
        Path sig = openssl.write("sig.bin", signature);
        Path msg = openssl.write("message.txt", message);
        Path other = openssl.write("other.txt", "another message".getBytes(StandardCharsets.UTF_8));
        List<String> args = new ArrayList<>(List.of("dgst", scheme == SignatureScheme.ECDSA_SHA384 ? "-sha384" : "-sha256",
                "-verify", pem.toString(), "-signature", sig.toString()));
        if (scheme == SignatureScheme.RSA_PSS_SHA256) {
            args.addAll(List.of("-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                    "-sigopt", "rsa_mgf1_md:sha256"));
        }
        List<String> good = new ArrayList<>(args);
        good.add(msg.toString());
        OpenSslCli.Result verified = openssl.run(good.toArray(String[]::new));
        assertTrue(verified.ok() && verified.output().contains("Verified OK"), verified.output());
        args.add(other.toString());
        OpenSslCli.Result refused = openssl.run(args.toArray(String[]::new));
        assertFalse(refused.ok(), refused.output());
        assertTrue(refused.output().contains("Verification failure"), refused.output());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("coffre.hsm.testing.KeyPairConformance#rsaSpecs")
    void openSslOaepCiphertextsDecryptInsideTheHsm(KeyPairSpec spec, @TempDir Path dir) {
        HsmKeyPair pair = pair(spec, KeyPairUsage.DECRYPT);
        OpenSslCli openssl = new OpenSslCli(dir);
        Path pem = openssl.publicKeyPem("pub", pair.publicKeyDer());
        byte[] plaintext = ("a document key wrapped by OpenSSL for " + spec).getBytes(StandardCharsets.UTF_8);
        Path in = openssl.write("plain.bin", plaintext);
        Path ct = dir.resolve("ct.bin");
        OpenSslCli.Result r = openssl.run("pkeyutl", "-encrypt", "-pubin", "-inkey", pem.toString(), "-in", in.toString(),
                "-out", ct.toString(), "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
                "-pkeyopt", "rsa_mgf1_md:sha256");
        assertTrue(r.ok(), r.output());
        assertArrayEquals(plaintext, hsm.rsaOaepDecrypt(pair.privateKey(), openssl.read(ct)));
    }
}
