package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "127.0.0.1:8443, 127.0.0.1, 8443, 127.0.0.1:8443",
        "kms.example:1, kms.example, 1, kms.example:1",
        "' kms:65535 ', kms, 65535, kms:65535",
        "[::1]:8443, ::1, 8443, [::1]:8443",
    })
    void parses(String text, String host, int port, String printed) {
        Endpoint endpoint = Endpoint.parse(text);

        assertEquals(new Endpoint(host, port), endpoint);
        assertEquals(printed, endpoint.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "kms.example | 'kms.example' is not host:port (IPv6 literals go in brackets: [::1]:8443)",
        ":8443 | ':8443' is not host:port (IPv6 literals go in brackets: [::1]:8443)",
        "::1:8443 | '::1:8443' is not host:port (IPv6 literals go in brackets: [::1]:8443)",
        "kms:http | 'kms:http' has no numeric port (expected host:port)",
        "kms:0 | 'kms:0' has port 0, outside 1-65535",
        "kms:65536 | 'kms:65536' has port 65536, outside 1-65535",
        "[::1] | '[::1]' is not [ipv6]:port",
        "[]:1 | '[]:1' has no valid host (expected host:port, no scheme)",
    })
    void refuses(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.parse(text));
        assertEquals(message, e.getMessage());
    }
}
