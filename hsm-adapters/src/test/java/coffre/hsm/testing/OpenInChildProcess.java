package coffre.hsm.testing;

import coffre.hsm.HsmException;
import coffre.hsm.pkcs11.PinSource;
import coffre.hsm.pkcs11.Pkcs11Hsm;

import java.nio.file.Path;

/**
 * Entry point of a fresh JVM that opens the test token with the PIN in the file given as the only
 * argument and prints {@code opened} or {@code kind=<HsmErrorKind>} — a fresh JVM because PKCS#11
 * login state is per process, so a wrong PIN is only ever checked before the first login.
 */
public final class OpenInChildProcess {
    private OpenInChildProcess() {
    }

    public static void main(String[] args) {
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmTestToken.get().config(1).withPin(PinSource.fromFile(Path.of(args[0]))))) {
            System.out.println("opened " + hsm.health().healthy());
        } catch (HsmException e) {
            System.out.println("kind=" + e.kind() + " message=" + e.getMessage());
        }
    }
}
