package coffre.hsm.testing;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.pkcs11.Pkcs11Hsm;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
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
 * through OpenSC {@code pkcs11-tool} and a second JVM for the cross-process check.
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
}
