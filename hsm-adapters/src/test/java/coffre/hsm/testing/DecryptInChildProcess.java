package coffre.hsm.testing;

import coffre.hsm.Hsm;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.pkcs11.Pkcs11Hsm;

import java.util.HexFormat;

/**
 * Entry point of the second JVM in {@link SoftHsmConformanceSuite}: opens the test token afresh,
 * finds a key by label and decrypts. Arguments: label, IV, AAD, ciphertext‖tag (hex). Prints
 * {@code plaintext=<hex>} (test data only).
 */
public final class DecryptInChildProcess {
    private DecryptInChildProcess() {
    }

    public static void main(String[] args) {
        HexFormat hex = HexFormat.of();
        try (Hsm hsm = Pkcs11Hsm.open(SoftHsmTestToken.get().config(1))) {
            HsmKeyRef key = hsm.findKey(args[0]).orElseThrow(() -> new IllegalStateException("no key " + args[0]));
            byte[] pt = hsm.decrypt(key, hex.parseHex(args[1]), hex.parseHex(args[2]), hex.parseHex(args[3]));
            System.out.println("plaintext=" + hex.formatHex(pt));
        }
    }
}
