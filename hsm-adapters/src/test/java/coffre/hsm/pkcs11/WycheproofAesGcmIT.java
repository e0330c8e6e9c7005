package coffre.hsm.pkcs11;

import coffre.hsm.testing.MiniJson;
import coffre.hsm.testing.SoftHsmTestToken;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.Provider;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wycheproof AES-GCM vectors through the HSM: every AES-256 case with a 96-bit IV and a 128-bit tag
 * (the only shape Coffre uses). Each test key is imported into SoftHSM as a session object
 * ({@code CKA_TOKEN=false}), then the HSM encrypts with the vector's IV and decrypts; invalid cases
 * must fail authentication. The fixed-IV path exists only here, through the provider's
 * {@link Cipher}: the {@link coffre.hsm.Hsm} port never takes an IV for encryption.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WycheproofAesGcmIT {
    private static final HexFormat HEX = HexFormat.of();
    private Pkcs11Hsm hsm;
    private Provider provider;

    record Case(long tcId, String comment, byte[] key, byte[] iv, byte[] aad, byte[] msg, byte[] ct, byte[] tag,
                boolean valid) {
        @Override
        public String toString() {
            return "tcId " + tcId + " (" + (valid ? "valid" : "invalid") + (comment.isEmpty() ? "" : ", " + comment) + ")";
        }
    }

    @BeforeAll
    void open() {
        hsm = Pkcs11Hsm.open(SoftHsmTestToken.get().config(1, false));
        provider = hsm.provider();
    }

    @AfterAll
    void close() {
        hsm.close();
    }

    @SuppressWarnings("unchecked")
    static List<Case> cases() throws IOException {
        String json;
        try (InputStream in = WycheproofAesGcmIT.class.getResourceAsStream("/vectors/wycheproof/aes_gcm_test.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(json);
        List<Case> out = new ArrayList<>();
        for (Object g : (List<Object>) root.get("testGroups")) {
            Map<String, Object> group = (Map<String, Object>) g;
            if ((Long) group.get("keySize") != 256 || (Long) group.get("ivSize") != 96 || (Long) group.get("tagSize") != 128) {
                continue;
            }
            for (Object t : (List<Object>) group.get("tests")) {
                Map<String, Object> c = (Map<String, Object>) t;
                String result = (String) c.get("result");
                if (result.equals("acceptable")) {
                    throw new IllegalStateException("unexpected 'acceptable' case " + c.get("tcId"));
                }
                out.add(new Case((Long) c.get("tcId"), (String) c.get("comment"), hex(c, "key"), hex(c, "iv"),
                        hex(c, "aad"), hex(c, "msg"), hex(c, "ct"), hex(c, "tag"), result.equals("valid")));
            }
        }
        return out;
    }

    static Stream<Arguments> vectors() throws IOException {
        return cases().stream().map(c -> Arguments.of(c));
    }

    private static byte[] hex(Map<String, Object> c, String field) {
        return HEX.parseHex((String) c.get(field));
    }

    @Test
    void theSelectionIsNotEmptyAndHoldsBothOutcomes() throws IOException {
        List<Case> all = cases();
        assertTrue(all.size() >= 50, "only " + all.size() + " cases selected");
        assertTrue(all.stream().anyMatch(Case::valid));
        assertTrue(all.stream().anyMatch(c -> !c.valid()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void hsmMatchesTheVector(Case c) throws Exception {
        Key key = SecretKeyFactory.getInstance("AES", provider).translateKey(new SecretKeySpec(c.key(), "AES"));
        // The imported key must be a session object inside the HSM, not a software key.
        assertTrue(key.getClass().getName().startsWith("sun.security.pkcs11."), key.getClass().getName());
        assertTrue(key.toString().contains("session object"), key.toString());

        byte[] ctAndTag = concat(c.ct(), c.tag());
        Cipher dec = Cipher.getInstance("AES/GCM/NoPadding", provider);
        dec.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, c.iv()));
        dec.updateAAD(c.aad());
        if (c.valid()) {
            Cipher enc = Cipher.getInstance("AES/GCM/NoPadding", provider);
            enc.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, c.iv()));
            enc.updateAAD(c.aad());
            assertEquals(HEX.formatHex(ctAndTag), HEX.formatHex(enc.doFinal(c.msg())));
            assertArrayEquals(c.msg(), dec.doFinal(ctAndTag));
        } else {
            AEADBadTagException e = assertThrows(AEADBadTagException.class, () -> dec.doFinal(ctAndTag));
            assertEquals(coffre.hsm.HsmErrorKind.AUTHENTICATION_FAILED, CkrErrorMapper.map(e, "decrypt").kind());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
