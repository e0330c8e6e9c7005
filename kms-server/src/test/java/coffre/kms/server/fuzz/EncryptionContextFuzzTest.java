package coffre.kms.server.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import coffre.kms.server.crypto.EncryptionContext;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.UnwrapRequest;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fuzz test of encryption-context canonicalisation (docs/envelope-format.md, docs/fuzzing.md). The
 * input is an {@code UnwrapRequest}, so the pairs are what the gRPC layer hands over. The context is
 * refused with {@code INVALID_ENCRYPTION_CONTEXT} exactly when a key is empty or the encoding would
 * exceed 8192 bytes; otherwise its canonical bytes are the same for every order of the pairs, are
 * sorted by the unsigned UTF-8 key bytes, and decode back to exactly the given pairs.
 */
class EncryptionContextFuzzTest {

    @FuzzTest
    void canonicalFormIsOrderFreeAndDecodesToThePairs(byte[] input) {
        Map<String, String> pairs;
        try {
            pairs = UnwrapRequest.parseFrom(input).getEncryptionContextMap();
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        List<Map.Entry<String, String>> entries = new ArrayList<>(pairs.entrySet());
        Collections.shuffle(entries, new Random(Arrays.hashCode(input)));
        Map<String, String> shuffled = new LinkedHashMap<>();
        entries.forEach(e -> shuffled.put(e.getKey(), e.getValue()));

        long encodedLength = 4;
        boolean emptyKey = false;
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            emptyKey |= pair.getKey().isEmpty();
            encodedLength += 8L + utf8(pair.getKey()).length + utf8(pair.getValue()).length;
        }
        boolean valid = pairs.isEmpty() || (!emptyKey && encodedLength <= EncryptionContext.MAX_ENCODED_BYTES);

        EncryptionContext context;
        EncryptionContext reordered;
        try {
            context = EncryptionContext.of(pairs);
            reordered = EncryptionContext.of(shuffled);
        } catch (KmsException e) {
            assertEquals(ErrorReason.INVALID_ENCRYPTION_CONTEXT, e.reason());
            assertTrue(!valid, "refused a valid context: " + e.getMessage());
            return;
        }
        if (!valid) {
            fail("accepted a context with an empty key or " + encodedLength + " encoded bytes");
        }
        byte[] canonical = context.canonicalBytes();
        assertArrayEquals(canonical, reordered.canonicalBytes(), "independent of the order of the pairs");
        assertEquals(encodedLength, canonical.length);
        assertEquals(pairs.size(), context.size());
        assertEquals(pairs, decode(canonical));
    }

    /** The documented encoding, read independently of the code under test. */
    private static Map<String, String> decode(byte[] canonical) {
        ByteBuffer in = ByteBuffer.wrap(canonical);
        int count = in.getInt();
        Map<String, String> out = new LinkedHashMap<>();
        byte[] previousKey = null;
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[in.getInt()];
            in.get(key);
            byte[] value = new byte[in.getInt()];
            in.get(value);
            assertTrue(key.length > 0, "keys are non-empty");
            if (previousKey != null) {
                assertTrue(Arrays.compareUnsigned(previousKey, key) < 0, "keys strictly ascending by unsigned bytes");
            }
            previousKey = key;
            out.put(new String(key, StandardCharsets.UTF_8), new String(value, StandardCharsets.UTF_8));
        }
        assertEquals(0, in.remaining(), "nothing after the last pair");
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
