package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OperationMixTest {

    @Test
    void singleOperationAlwaysPicksIt() {
        OperationMix mix = OperationMix.parse("unwrap");
        assertEquals(Operation.UNWRAP, mix.next(new SplittableRandom(1)));
        assertEquals(1.0, mix.share(Operation.UNWRAP));
        assertTrue(mix.needsEnvelopes());
        assertEquals("unwrap", mix.toString());
    }

    @Test
    void aliasesAndCase() {
        assertEquals(Operation.GENERATE_DATA_KEY, Operation.parse("datakey"));
        assertEquals(Operation.GENERATE_DATA_KEY, Operation.parse("Generate-Data-Key"));
        assertFalse(OperationMix.parse("datakey").needsEnvelopes());
    }

    @Test
    void weightsGiveTheirShares() {
        OperationMix mix = OperationMix.parse("wrap=70, unwrap=20,rewrap=10");
        assertEquals(0.7, mix.share(Operation.WRAP), 1e-9);
        assertEquals(0.0, mix.share(Operation.GENERATE_DATA_KEY));
        // The deterministic core: tickets 0-69 wrap, 70-89 unwrap, 90-99 rewrap.
        assertEquals(Operation.WRAP, mix.at(69));
        assertEquals(Operation.UNWRAP, mix.at(70));
        assertEquals(Operation.REWRAP, mix.at(99));
        assertThrows(IllegalArgumentException.class, () -> mix.at(100));

        Map<Operation, Integer> counts = new EnumMap<>(Operation.class);
        SplittableRandom random = new SplittableRandom(42);
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            counts.merge(mix.next(random), 1, Integer::sum);
        }
        assertEquals(0.70, counts.get(Operation.WRAP) / (double) n, 0.01);
        assertEquals(0.20, counts.get(Operation.UNWRAP) / (double) n, 0.01);
        assertEquals(0.10, counts.get(Operation.REWRAP) / (double) n, 0.01);
        assertEquals("wrap=70,unwrap=20,rewrap=10", mix.toString());
    }

    @Test
    void zeroWeightsAreLeftOut() {
        OperationMix mix = OperationMix.parse("wrap=1,unwrap=0");
        assertEquals(java.util.List.of(Operation.WRAP), mix.operations());
        assertFalse(mix.needsEnvelopes());
    }

    @Test
    void badMixesAreRefusedWithTheReason() {
        assertEquals("unknown operation 'encrypt': allowed are wrap, unwrap, generate-data-key, rewrap, "
                + "asymmetric-decrypt, sign, xks-encrypt, xks-decrypt, xks-metadata, xks-health (or datakey)",
                assertThrows(IllegalArgumentException.class, () -> OperationMix.parse("encrypt")).getMessage());
        assertEquals("bad weight 'x' for wrap: expected a non-negative integer",
                assertThrows(IllegalArgumentException.class, () -> OperationMix.parse("wrap=x")).getMessage());
        assertEquals("bad weight -1 for wrap: expected a non-negative integer",
                assertThrows(IllegalArgumentException.class, () -> OperationMix.parse("wrap=-1")).getMessage());
        assertEquals("operation wrap appears twice in the mix",
                assertThrows(IllegalArgumentException.class, () -> OperationMix.parse("wrap=1,wrap=2")).getMessage());
        assertEquals("every weight of the mix 'wrap=0' is zero",
                assertThrows(IllegalArgumentException.class, () -> OperationMix.parse("wrap=0")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> OperationMix.parse(" "));
    }
}
