package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A body read chunk by chunk: whole, exact, bounded, and its left-behind arrays zeroed. */
class XksBodyTest {

    private static Buffer chunk(String text) {
        return Buffer.buffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aDeclaredLengthIsFilledInPlace() {
        XksBody body = new XksBody(11, 64);
        assertTrue(body.append(chunk("hello ")));
        assertTrue(body.append(chunk("world")));
        assertArrayEquals("hello world".getBytes(StandardCharsets.US_ASCII), body.take());
    }

    @Test
    void anUnknownLengthGrowsAndIsTrimmed() {
        XksBody body = new XksBody(0, 64 * 1024);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            String part = "chunk-" + i + ";";
            expected.append(part);
            assertTrue(body.append(chunk(part)));
        }
        assertArrayEquals(expected.toString().getBytes(StandardCharsets.US_ASCII), body.take());
    }

    @Test
    void aShorterBodyThanDeclaredIsTrimmed() {
        XksBody body = new XksBody(100, 1000);
        assertTrue(body.append(chunk("{}")));
        assertEquals(2, body.take().length);
    }

    @Test
    void theLimitIsExactAndAChunkOverItIsNotAppended() {
        XksBody body = new XksBody(0, 10);
        assertTrue(body.append(chunk("0123456789")));
        assertFalse(body.append(chunk("x")));
        assertArrayEquals("0123456789".getBytes(StandardCharsets.US_ASCII), body.take());

        XksBody over = new XksBody(4, 10);
        assertTrue(over.append(chunk("0123")));
        assertFalse(over.append(chunk("4567890")));
    }

    @Test
    void anEmptyBodyIsEmpty() {
        assertEquals(0, new XksBody(0, 10).take().length);
    }

    @Test
    void toStringShowsOnlyTheSize() {
        XksBody body = new XksBody(0, 100);
        body.append(chunk("secret plaintext"));
        assertEquals("XksBody[16 bytes]", body.toString());
    }
}
