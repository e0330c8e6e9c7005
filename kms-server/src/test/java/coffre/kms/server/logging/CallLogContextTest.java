package coffre.kms.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The request id is in the MDC for the work only, restored after it, failure or not. */
class CallLogContextTest {
    @AfterEach
    void clear() {
        MDC.remove(CallLogContext.REQUEST_ID);
    }

    private static String current() {
        return MDC.get(CallLogContext.REQUEST_ID);
    }

    @Test
    void setForTheWorkOnly() throws Exception {
        assertEquals("a", CallLogContext.with("a", CallLogContextTest::current));
        assertNull(current());
        assertEquals("b", CallLogContext.wrap("b", CallLogContextTest::current).call());
        assertNull(current());
        String[] seen = new String[1];
        CallLogContext.run("c", () -> seen[0] = current());
        assertEquals("c", seen[0]);
        assertNull(current());
    }

    @Test
    void nestedCallsRestoreTheOuterId() {
        String inner = CallLogContext.with("outer", () -> {
            String seen = CallLogContext.with("inner", CallLogContextTest::current);
            assertEquals("outer", current());
            return seen;
        });
        assertEquals("inner", inner);
        assertNull(current());
    }

    @Test
    void removedWhenTheWorkFails() {
        assertThrows(IllegalStateException.class, () -> CallLogContext.run("d", () -> {
            throw new IllegalStateException("failed");
        }));
        assertNull(current());
        assertThrows(IllegalStateException.class, () -> CallLogContext.wrap("e", () -> {
            throw new IllegalStateException("failed");
        }).call());
        assertNull(current());
    }

    @Test
    void noIdLeavesTheMdcAlone() {
        MDC.put(CallLogContext.REQUEST_ID, "kept");
        assertEquals("kept", CallLogContext.with(null, CallLogContextTest::current));
        assertEquals("kept", CallLogContext.with("", CallLogContextTest::current));
        assertEquals("kept", current());
    }
}
