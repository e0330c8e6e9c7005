package coffre.kms.loadtest;

import com.google.protobuf.ByteString;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * What each call carries: a key chosen uniformly among the run's keys, a plaintext of
 * {@code payloadBytes} (random, made once: the server does not care about its content), an
 * encryption context of about {@code contextBytes}, and the data-key length for GenerateDataKey.
 */
public final class Workload {
    /** Longest value of one context pair; longer contexts get more pairs. */
    static final int MAX_VALUE_BYTES = 64;

    private final List<String> keyIds;
    private final ByteString payload;
    private final Map<String, String> context;
    private final int dataKeyBytes;

    public Workload(List<String> keyIds, int payloadBytes, int contextBytes, int dataKeyBytes, RandomGenerator random) {
        if (keyIds.isEmpty()) {
            throw new IllegalArgumentException("no key: give --key-id or --keys-file");
        }
        if (payloadBytes < 0 || contextBytes < 0) {
            throw new IllegalArgumentException("payload and context sizes must be >= 0");
        }
        this.keyIds = List.copyOf(keyIds);
        byte[] bytes = new byte[payloadBytes];
        random.nextBytes(bytes);
        this.payload = ByteString.copyFrom(bytes);
        this.context = context(contextBytes);
        this.dataKeyBytes = dataKeyBytes;
    }

    /**
     * A context whose keys and values add up to about {@code bytes} (ASCII): pairs {@code c0=xxx},
     * {@code c1=xxx}, ... with values of at most {@value #MAX_VALUE_BYTES} characters.
     */
    static Map<String, String> context(int bytes) {
        Map<String, String> context = new LinkedHashMap<>();
        int left = bytes;
        int i = 0;
        while (left > 0) {
            String key = "c" + i++;
            int value = Math.max(1, Math.min(MAX_VALUE_BYTES, left - key.length()));
            context.put(key, "x".repeat(value));
            left -= key.length() + value;
        }
        return Map.copyOf(context);
    }

    public String key(RandomGenerator random) {
        return keyIds.get(random.nextInt(keyIds.size()));
    }

    public String key(int index) {
        return keyIds.get(Math.floorMod(index, keyIds.size()));
    }

    public int keyCount() {
        return keyIds.size();
    }

    public ByteString payload() {
        return payload;
    }

    public Map<String, String> context() {
        return context;
    }

    public int dataKeyBytes() {
        return dataKeyBytes;
    }
}
