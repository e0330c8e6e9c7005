package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.client.Endpoint;
import coffre.kms.client.Endpoints;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --endpoint} values, repeated or comma-separated, become one list of nodes; the parsing
 * itself is kms-client's ({@code EndpointsTest}, {@code EndpointTest}).
 */
class EndpointOptionTest {

    @Test
    void repeatedAndCommaSeparatedValuesMakeOneListInOrder() {
        assertEquals(Endpoints.of(new Endpoint("kms-a", 7443), new Endpoint("kms-b", 7443), new Endpoint("::1", 7443)),
                LoadTest.endpoints(List.of("kms-a:7443", " kms-b:7443 , [::1]:7443")));
    }

    @Test
    void noValueMeansTheLocalDefault() {
        assertEquals(Endpoints.of(new Endpoint("127.0.0.1", 8443)), LoadTest.endpoints(List.of()));
    }

    @Test
    void aNodeGivenTwiceAcrossFlagsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadTest.endpoints(List.of("kms-a:7443,kms-b:7443", "kms-b:7443")));
        assertEquals("'kms-b:7443' is listed twice in 'kms-a:7443,kms-b:7443,kms-b:7443'", e.getMessage());
    }

    @Test
    void anEmptyValueIsRefusedRatherThanSkipped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadTest.endpoints(List.of("kms-a:7443", " ")));
        assertEquals("'kms-a:7443, ' has an empty entry at position 2 (expected host:port,host:port,...)",
                e.getMessage());
    }

    @Test
    void aBadEntrySaysWhichOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadTest.endpoints(List.of("kms-a:7443", "kms-b")));
        assertEquals("entry 2 of 'kms-a:7443,kms-b': 'kms-b' is not host:port (IPv6 literals go in brackets: [::1]:8443)",
                e.getMessage());
    }
}
