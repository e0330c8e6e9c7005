package coffre.kms.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmKeyRef;
import coffre.kms.server.testing.SoftwareHsm;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SharedHsmKeysTest {

    /** Records which names were locked, and whether the HSM held the key when the lock was taken. */
    private static final class RecordingLock implements ClusterLock {
        final List<String> taken = new ArrayList<>();

        @Override
        public <T> T holding(String name, Supplier<T> action) {
            taken.add(name);
            return action.get();
        }
    }

    @Test
    void aMissingKeyIsCreatedUnderTheClusterLockAndFoundWithoutItAfterwards() {
        SoftwareHsm hsm = new SoftwareHsm();
        RecordingLock lock = new RecordingLock();
        SharedHsmKeys keys = new SharedHsmKeys(hsm, lock);

        assertFalse(hsm.contains("coffre:health"));
        HsmKeyRef made = keys.aesKey("coffre:health");
        assertTrue(hsm.contains("coffre:health"));
        assertEquals(List.of("hsm-key:coffre:health"), lock.taken);

        HsmKeyRef found = keys.aesKey("coffre:health");
        assertEquals(List.of("hsm-key:coffre:health"), lock.taken, "an existing key needs no lock");
        assertArrayEqualsRoundTrip(hsm, made, found);
    }

    @Test
    void aKeyMadeByAnotherNodeWhileThisOneWaitedIsUsedNotDuplicated() {
        SoftwareHsm hsm = new SoftwareHsm();
        HsmKeyRef[] madeElsewhere = new HsmKeyRef[1];
        // The other node creates the key between this node's first look and its lock.
        ClusterLock lock = new ClusterLock() {
            @Override
            public <T> T holding(String name, Supplier<T> action) {
                madeElsewhere[0] = hsm.generateMacKey("coffre:audit-mac");
                return action.get();
            }
        };
        HsmKeyRef key = new SharedHsmKeys(hsm, lock).macKey("coffre:audit-mac");
        byte[] data = {1, 2, 3};
        // Had this node made a second key under the label (the fake, like a token, now refuses that),
        // it would MAC differently: the key found is the one the other node made.
        org.junit.jupiter.api.Assertions.assertArrayEquals(hsm.hmacSha256(madeElsewhere[0], data),
                hsm.hmacSha256(key, data));
    }

    private static void assertArrayEqualsRoundTrip(SoftwareHsm hsm, HsmKeyRef made, HsmKeyRef found) {
        var sealed = hsm.encrypt(made, new byte[0], new byte[] {7, 7});
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {7, 7},
                hsm.decrypt(found, sealed.iv(), new byte[0], sealed.ciphertextAndTag()));
    }
}
