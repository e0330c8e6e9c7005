package coffre.hsm.testing;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.pkcs11.Pkcs11Hsm;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Entry point of a second JVM, started by the parent test with whatever flags it wants to check
 * (e.g. without {@code --add-opens}): opens the token labelled {@code args[0]} afresh, finds the
 * key {@code args[1]} that the parent made and decrypts {@code args[2..4]} (IV, AAD,
 * ciphertext‖tag in hex), then makes the key {@code args[5]} and round-trips data with it. Prints
 * {@code decrypted sha256=<hex>} (a digest, never the plaintext) and {@code made <label>}.
 */
public final class KeysInChildProcess {
    private KeysInChildProcess() {
    }

    public static void main(String[] args) throws NoSuchAlgorithmException {
        HexFormat hex = HexFormat.of();
        try (Hsm hsm = Pkcs11Hsm.open(SoftHsmTestToken.get(args[0]).config(1))) {
            HsmKeyRef theirs = hsm.findKey(args[1]).orElseThrow(() -> new IllegalStateException("no key " + args[1]));
            byte[] pt = hsm.decrypt(theirs, hex.parseHex(args[2]), hex.parseHex(args[3]), hex.parseHex(args[4]));
            System.out.println("decrypted sha256=" + hex.formatHex(MessageDigest.getInstance("SHA-256").digest(pt)));
            Arrays.fill(pt, (byte) 0);

            HsmKeyRef mine = hsm.generateKey(args[5]);
            byte[] data = new byte[48];
            GcmCiphertext ct = hsm.encrypt(mine, new byte[0], data);
            if (!Arrays.equals(data, hsm.decrypt(mine, ct.iv(), new byte[0], ct.ciphertextAndTag()))) {
                throw new IllegalStateException("round trip with the new key failed");
            }
            System.out.println("made " + args[5]);
        }
    }
}
