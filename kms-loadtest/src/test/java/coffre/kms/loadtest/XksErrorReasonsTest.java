package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** How a failed XKS call is named in the report. */
class XksErrorReasonsTest {

    @Test
    void anAnswerIsNamedByStatusAndErrorName() {
        assertEquals("400/ValidationException", XksErrorReasons.of(400,
                Buffer.buffer("{\"errorName\":\"ValidationException\",\"errorMessage\":\"plaintext is required\"}")));
        assertEquals("503/DependencyTimeoutException",
                XksErrorReasons.of(503, Buffer.buffer("{\"errorName\":\"DependencyTimeoutException\"}")));
    }

    @Test
    void anAnswerThatIsNoXksErrorSaysSo() {
        assertEquals("502/no errorName", XksErrorReasons.of(502, Buffer.buffer("<html>Bad Gateway</html>")));
        assertEquals("405/no errorName", XksErrorReasons.of(405, Buffer.buffer()));
        assertEquals("500/no errorName", XksErrorReasons.of(500, Buffer.buffer("{\"errorName\":")));
        assertEquals("500/no errorName", XksErrorReasons.of(500, Buffer.buffer("{\"errorName\":42}")));
        assertEquals("500/no errorName", XksErrorReasons.of(500, Buffer.buffer("{\"errorName\":\"a b\\n\"}")),
                "not an identifier: kept out of the report");
    }

    @Test
    void aCallWithNoAnswerIsNamedByWhatHappened() {
        assertEquals("TIMEOUT", XksErrorReasons.of(new TimeoutException("slow")));
        assertEquals("CONNECTION_CLOSED", XksErrorReasons.of(new HttpClosedException("gone")));
        assertEquals("STREAM_RESET", XksErrorReasons.of(new StreamResetException(8)));
        assertEquals("CONNECT_FAILED", XksErrorReasons.of(new IOException("wrapped", new ConnectException("refused"))));
        assertEquals("TLS_FAILED", XksErrorReasons.of(new SSLHandshakeException("bad certificate")));
        assertEquals("IllegalStateException", XksErrorReasons.of(new IllegalStateException("other")));
    }
}
