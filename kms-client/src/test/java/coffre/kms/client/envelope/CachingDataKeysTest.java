package coffre.kms.client.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.client.DecryptionFailedException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Every bound of the data-key cache, and every entry zeroed as it leaves. */
class CachingDataKeysTest {
    private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");
    private static final long SECOND = 1_000_000_000L;

    private final LocalDataKeys coffre = new LocalDataKeys();
    private final AtomicLong now = new AtomicLong(1_000 * SECOND);

    private CachingDataKeys.Builder cache() {
        return CachingDataKeys.builder(coffre).maxAge(Duration.ofMinutes(5)).nanoTime(now::get);
    }

    private static boolean same(DataKey a, DataKey b) {
        return java.util.Arrays.equals(a.copyPlaintext(), b.copyPlaintext());
    }

    @Test
    void aDataKeyIsReusedPerKeyIdAndContextWhateverTheMapsOrder() {
        CachingDataKeys cache = cache().build();
        Map<String, String> ordered = new LinkedHashMap<>();
        ordered.put("tenant", "acme");
        ordered.put("file", "a");
        Map<String, String> reversed = new LinkedHashMap<>();
        reversed.put("file", "a");
        reversed.put("tenant", "acme");

        DataKey first = cache.generate("alias/a", ordered, 10);
        DataKey second = cache.generate("alias/a", reversed, 10);
        DataKey otherContext = cache.generate("alias/a", CONTEXT, 10);
        DataKey otherKey = cache.generate("alias/b", ordered, 10);

        assertTrue(same(first, second));
        assertFalse(same(first, otherContext));
        assertFalse(same(first, otherKey));
        assertEquals(3, coffre.generateCalls.get());
        assertEquals(new CachingDataKeys.Stats(1, 3, 0, 0, 0, 0), cache.stats());
        assertEquals(1, cache.stats().callsSaved());
    }

    @Test
    void maxAgeRetiresADataKeyAndZeroesIt() {
        CachingDataKeys cache = cache().build();
        DataKey first = cache.generate("alias/a", CONTEXT, 10);
        DataKey held = cache.heldKeys().iterator().next();

        now.addAndGet(5 * 60 * SECOND - 1);
        DataKey stillFresh = cache.generate("alias/a", CONTEXT, 10);
        now.addAndGet(1);
        DataKey afterMaxAge = cache.generate("alias/a", CONTEXT, 10);

        assertTrue(same(first, stillFresh));
        assertFalse(same(first, afterMaxAge));
        assertTrue(held.isDestroyed());
        assertEquals(2, coffre.generateCalls.get());
    }

    @Test
    void maxMessagesRetiresADataKeyAfterItsLastMessage() {
        CachingDataKeys cache = cache().maxMessagesPerKey(3).build();
        DataKey first = cache.generate("alias/a", CONTEXT, 1);
        DataKey held = cache.heldKeys().iterator().next();
        cache.generate("alias/a", CONTEXT, 1);
        DataKey third = cache.generate("alias/a", CONTEXT, 1);

        assertTrue(same(first, third));
        assertTrue(held.isDestroyed(), "used up after its third message");
        assertEquals(0, cache.size());
        DataKey fourth = cache.generate("alias/a", CONTEXT, 1);
        assertFalse(same(first, fourth));
        assertEquals(2, coffre.generateCalls.get());
    }

    @Test
    void maxBytesRetiresADataKeyBeforeAMessageWouldExceedIt() {
        CachingDataKeys cache = cache().maxBytesPerKey(100).build();
        DataKey first = cache.generate("alias/a", CONTEXT, 40);
        DataKey held = cache.heldKeys().iterator().next();
        DataKey second = cache.generate("alias/a", CONTEXT, 40);
        DataKey third = cache.generate("alias/a", CONTEXT, 40);

        assertTrue(same(first, second));
        assertFalse(same(first, third), "80 + 40 bytes would exceed 100");
        assertTrue(held.isDestroyed());
        assertEquals(2, coffre.generateCalls.get());
    }

    @Test
    void messagesOfUnknownOrExcessiveSizeGetFreshKeysThatAreNotCached() {
        CachingDataKeys cache = cache().maxBytesPerKey(100).build();

        DataKey unknown = cache.generate("alias/a", CONTEXT, DataKeys.UNKNOWN_SIZE);
        DataKey tooLarge = cache.generate("alias/a", CONTEXT, 101);
        DataKey cached = cache.generate("alias/a", CONTEXT, 100);

        assertFalse(same(unknown, tooLarge));
        assertEquals(0, cache.size(), "100 of 100 bytes: used up at once, not kept");
        assertEquals(3, coffre.generateCalls.get());
        assertEquals(new CachingDataKeys.Stats(0, 1, 2, 0, 0, 0), cache.stats());
        assertFalse(cached.isDestroyed());
    }

    @Test
    void unwrappedKeysAreCachedPerWrappedKeyAndContextUntilMaxAge() {
        CachingDataKeys cache = cache().build();
        DataKey generated = coffre.generate("alias/a", CONTEXT, 10);
        byte[] wrapped = generated.wrapped();

        DataKey first = cache.unwrap(wrapped, CONTEXT);
        DataKey second = cache.unwrap(wrapped, CONTEXT);
        assertThrows(DecryptionFailedException.class, () -> cache.unwrap(wrapped, Map.of("tenant", "other")));
        DataKey held = cache.heldKeys().iterator().next();
        now.addAndGet(5 * 60 * SECOND);
        DataKey afterMaxAge = cache.unwrap(wrapped, CONTEXT);

        assertArrayEquals(generated.copyPlaintext(), first.copyPlaintext());
        assertTrue(same(first, second));
        assertTrue(same(first, afterMaxAge));
        assertTrue(held.isDestroyed());
        assertEquals(3, coffre.unwrapCalls.get(), "first, the refused context, after max age");
        assertEquals(1, cache.stats().decryptHits());
    }

    @Test
    void theLeastRecentlyUsedEntryLeavesFirstAndIsZeroed() {
        CachingDataKeys cache = cache().capacity(2).build();
        cache.generate("alias/a", Map.of("n", "1"), 1);
        List<DataKey> held = new ArrayList<>(cache.heldKeys());
        cache.generate("alias/a", Map.of("n", "2"), 1);
        held.add(cache.heldKeys().stream().filter(k -> !held.contains(k)).findFirst().orElseThrow());
        cache.generate("alias/a", Map.of("n", "1"), 1); // 1 is now the most recently used
        cache.generate("alias/a", Map.of("n", "3"), 1); // so 2 leaves

        assertEquals(2, cache.size());
        assertFalse(held.get(0).isDestroyed());
        assertTrue(held.get(1).isDestroyed());
        assertEquals(1, cache.stats().evictions());
    }

    @Test
    void expiredEntriesAreSweptWithoutBeingAskedFor() {
        CachingDataKeys cache = cache().build();
        cache.generate("alias/a", CONTEXT, 1);
        cache.unwrap(coffre.generate("alias/a", CONTEXT, 1).wrapped(), CONTEXT);
        List<DataKey> held = new ArrayList<>(cache.heldKeys());

        now.addAndGet(5 * 60 * SECOND);
        cache.generate("alias/other", CONTEXT, 1); // any call sweeps (at most once a second)

        assertTrue(held.stream().allMatch(DataKey::isDestroyed));
        assertEquals(1, cache.size());
        now.addAndGet(5 * 60 * SECOND);
        cache.evictExpired();
        assertEquals(0, cache.size());
    }

    @Test
    void closeZeroesEveryEntryAndCopiesHandedOutStayUsable() {
        CachingDataKeys cache = cache().build();
        DataKey copy = cache.generate("alias/a", CONTEXT, 1);
        cache.unwrap(copy.wrapped(), CONTEXT);
        List<DataKey> held = new ArrayList<>(cache.heldKeys());

        cache.close();

        assertEquals(2, held.size());
        assertTrue(held.stream().allMatch(DataKey::isDestroyed));
        assertThrows(IllegalStateException.class, held.get(0)::copyPlaintext);
        assertEquals(32, copy.copyPlaintext().length);
        assertEquals(0, cache.size());
    }

    @Test
    void aZeroedEntryHoldsOnlyZeros() {
        CachingDataKeys cache = cache().maxMessagesPerKey(2).build();
        cache.generate("alias/a", CONTEXT, 1);
        DataKey held = cache.heldKeys().iterator().next();
        byte[] inside = held.plaintextView();

        cache.generate("alias/a", CONTEXT, 1);

        assertArrayEquals(new byte[32], inside);
    }

    @Test
    void theBuilderSaysWhatIsMissingOrWrong() {
        IllegalStateException noAge = assertThrows(IllegalStateException.class,
                () -> CachingDataKeys.builder(coffre).build());
        assertEquals("maxAge is required: how long may one data key be used?", noAge.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CachingDataKeys.builder(coffre).maxAge(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> cache().maxMessagesPerKey(0));
        assertThrows(IllegalArgumentException.class, () -> cache().maxBytesPerKey(0));
        assertThrows(IllegalArgumentException.class, () -> cache().capacity(0));
    }

    @Test
    void anEnvelopeOverTheCacheCallsCoffreOncePerDataKey() throws Exception {
        CachingDataKeys cache = cache().maxMessagesPerKey(5).build();
        CoffreEnvelope envelope = new CoffreEnvelope(cache);
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            messages.add(envelope.encrypt("alias/a", CONTEXT, CoffreEnvelopeTest.bytes(100, i)));
        }
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(CoffreEnvelopeTest.bytes(100, i), envelope.decrypt(CONTEXT, messages.get(i)));
        }
        envelope.encrypt("alias/a", CONTEXT, new ByteArrayInputStream(new byte[10]), new ByteArrayOutputStream());

        assertEquals(3, coffre.generateCalls.get(), "two cached keys of 5 messages, one stream of unknown size");
        assertEquals(2, coffre.unwrapCalls.get());
        assertEquals(16, cache.stats().callsSaved());
    }
}
