package coffre.kms.server.xks;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * A request body as it arrives, chunk by chunk, into one array of at most {@code limit} bytes:
 * the one copy of an Encrypt's plaintext the listener keeps (the caller zeroes it after the call).
 * Sized from {@code Content-Length} when the client sent one, so a body that says its size is
 * copied once; grown otherwise, every array it leaves behind zeroed.
 *
 * <p>Not thread-safe: one request's event loop fills it.
 */
final class XksBody {
    private static final int INITIAL_BYTES = 1024;

    private final int limit;
    private byte[] bytes;
    private int length;

    /** @param declared the Content-Length, or 0 when unknown (at most {@code limit}) */
    XksBody(int declared, int limit) {
        this.limit = limit;
        this.bytes = new byte[declared > 0 ? declared : Math.min(INITIAL_BYTES, limit)];
    }

    /**
     * Appends one chunk.
     *
     * @return false, appending nothing, if the body would then be over the limit
     */
    boolean append(Buffer chunk) {
        int n = chunk.length();
        if (n > limit - length) {
            return false;
        }
        if (n > bytes.length - length) {
            byte[] larger = Arrays.copyOf(bytes, (int) Math.min(limit, Math.max(2L * bytes.length, length + n)));
            Arrays.fill(bytes, (byte) 0);
            bytes = larger;
        }
        chunk.getBytes(0, n, bytes, length);
        length += n;
        return true;
    }

    /** The body received, exactly (this object keeps no copy: do not append after). */
    byte[] take() {
        byte[] body = bytes;
        if (length != bytes.length) {
            body = Arrays.copyOf(bytes, length);
            Arrays.fill(bytes, (byte) 0);
        }
        bytes = new byte[0];
        length = 0;
        return body;
    }

    /** Zeroes what was received (a refused body). */
    void zero() {
        Arrays.fill(bytes, (byte) 0);
        length = 0;
    }

    @Override
    public String toString() {
        return "XksBody[" + length + " bytes]";
    }
}
