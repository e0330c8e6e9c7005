package coffre.kms.server.xks;

import coffre.hsm.testing.SecretLedger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A software {@link SigV4DateKeySource} for the tests: computes {@code HMAC("AWS4" + secret, date)}
 * with the JDK, counts its calls and keeps every array it handed out (to check they are zeroed).
 * Secrets go into the {@link SecretLedger}, so the suite's leak scan looks for them in the logs.
 */
final class TestDateKeys implements SigV4DateKeySource {
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    final List<byte[]> handedOut = new ArrayList<>();

    TestDateKeys with(String accessKeyId, String secret) {
        SecretLedger.record(secret);
        secrets.put(accessKeyId, secret);
        return this;
    }

    void remove(String accessKeyId) {
        secrets.remove(accessKeyId);
    }

    static TestDateKeys standard() {
        return new TestDateKeys().with(AwsSdkSigner.ACCESS_KEY_ID, AwsSdkSigner.SECRET);
    }

    @Override
    public synchronized Optional<byte[]> dateKey(String accessKeyId, String yyyymmdd) {
        calls.incrementAndGet();
        String secret = secrets.get(accessKeyId);
        if (secret == null) {
            return Optional.empty();
        }
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.US_ASCII), yyyymmdd);
        handedOut.add(key);
        return Optional.of(key);
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
