package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.testing.SoftHsmTestToken;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TokenSigningKeys} on the real SoftHSM2 test token. */
class TokenSigningKeysIT {
    private static final byte[] MESSAGE = "a statement".getBytes(StandardCharsets.UTF_8);

    private static TokenSigningKeys open() {
        SoftHsmTestToken t = SoftHsmTestToken.get();
        return TokenSigningKeys.open(t.library(), TokenSelector.label(t.label()), PinSource.fromFile(t.pinFile()));
    }

    private static String uniqueLabel() {
        return "it-officer-" + UUID.randomUUID().toString().substring(0, 12);
    }

    @Test
    void generatesASensitiveNonExtractableSigningKeyOnTheTokenThatAFreshInstanceFinds() throws Exception {
        TokenSigningKeys keys = open();
        String label = uniqueLabel();
        PublicKey publicKey = keys.generateEcSigningKey(label);
        assertEquals("EC", publicKey.getAlgorithm());
        assertTrue(keys.hasObjectLabelled(label));

        // What the token itself says about the private key object (via the wrapper, not the JCA).
        Pkcs11Native m = Pkcs11Native.connect(SoftHsmTestToken.get().library());
        long s = m.openSession(keys.slotId());
        try {
            long[] handles = m.findObjects(s, List.of(Pkcs11Native.Attr.of(Pkcs11Native.CKA_CLASS, 3L /* CKO_PRIVATE_KEY */),
                    Pkcs11Native.Attr.of(Pkcs11Native.CKA_LABEL, label)));
            assertEquals(1, handles.length);
            long h = handles[0];
            assertEquals(Boolean.TRUE, m.booleanAttribute(s, h, Pkcs11Native.CKA_TOKEN).orElseThrow());
            assertEquals(Boolean.TRUE, m.booleanAttribute(s, h, Pkcs11Native.CKA_SENSITIVE).orElseThrow());
            assertEquals(Boolean.FALSE, m.booleanAttribute(s, h, Pkcs11Native.CKA_EXTRACTABLE).orElseThrow());
            assertEquals(Boolean.TRUE, m.booleanAttribute(s, h, Pkcs11Native.CKA_NEVER_EXTRACTABLE).orElseThrow());
            assertEquals(Boolean.TRUE, m.booleanAttribute(s, h, Pkcs11Native.CKA_SIGN).orElseThrow());
            assertEquals(Boolean.FALSE, m.booleanAttribute(s, h, Pkcs11Native.CKA_DERIVE).orElseThrow());
            assertEquals(Boolean.TRUE, m.booleanAttribute(s, h, Pkcs11Native.CKA_LOCAL).orElseThrow());
        } finally {
            m.closeSession(s);
        }

        TokenSigningKeys fresh = open();
        PrivateKey key = fresh.privateKey(label);
        assertArrayEquals(publicKey.getEncoded(), fresh.publicKey(label).getEncoded());
        Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format", fresh.provider());
        signer.initSign(key);
        signer.update(MESSAGE);
        byte[] signature = signer.sign();
        assertEquals(64, signature.length);
        Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
        verifier.initVerify(publicKey);
        verifier.update(MESSAGE);
        assertTrue(verifier.verify(signature));
    }

    @Test
    void refusesAnExistingLabelAndBadLabels() {
        TokenSigningKeys keys = open();
        String label = uniqueLabel();
        keys.generateEcSigningKey(label);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> keys.generateEcSigningKey(label));
        assertTrue(twice.getMessage().contains("already holds an object labelled '" + label + "'"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> keys.generateEcSigningKey("has space"));
        assertThrows(IllegalArgumentException.class, () -> keys.generateEcSigningKey("-leading-dash"));
        assertThrows(IllegalArgumentException.class, () -> keys.generateEcSigningKey("x".repeat(65)));
    }

    @Test
    void unknownLabelIsKeyNotFoundAndMissingLibraryIsRefused() {
        TokenSigningKeys keys = open();
        HsmException e = assertThrows(HsmException.class, () -> keys.privateKey(uniqueLabel()));
        assertEquals(HsmErrorKind.KEY_NOT_FOUND, e.kind());
        assertFalse(keys.hasObjectLabelled(uniqueLabel()));
        SoftHsmTestToken t = SoftHsmTestToken.get();
        assertThrows(IllegalArgumentException.class, () -> TokenSigningKeys.open(Path.of("/nonexistent/libp11.so"),
                TokenSelector.label(t.label()), PinSource.fromFile(t.pinFile())));
        HsmException noToken = assertThrows(HsmException.class, () -> TokenSigningKeys.open(t.library(),
                TokenSelector.label("no-such-token"), PinSource.fromFile(t.pinFile())));
        assertEquals(HsmErrorKind.UNAVAILABLE, noToken.kind());
    }

    /** Recorded fact: SunPKCS11 (JDK 25) has no EdDSA, so Ed25519 officer keys cannot live on a token through it. */
    @Test
    void sunPkcs11OffersNoEd25519() {
        TokenSigningKeys keys = open();
        assertThrows(NoSuchAlgorithmException.class, () -> KeyPairGenerator.getInstance("Ed25519", keys.provider()));
        assertThrows(NoSuchAlgorithmException.class, () -> Signature.getInstance("Ed25519", keys.provider()));
    }
}
