package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Endpoint lists as written in flags, env and the config file: what is read, and what is refused. */
class EndpointsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1:8443 | 127.0.0.1:8443 | 127.0.0.1:8443",
        "kms-a:7443,kms-b:7443 | kms-a:7443,kms-b:7443 | any of kms-a:7443, kms-b:7443",
        "' kms-a:7443 , kms-b:7443 ,kms-c:7443' | kms-a:7443,kms-b:7443,kms-c:7443 | any of kms-a:7443, kms-b:7443, kms-c:7443",
        "[::1]:8443,127.0.0.1:8443 | [::1]:8443,127.0.0.1:8443 | any of [::1]:8443, 127.0.0.1:8443",
        "kms:1,kms:2 | kms:1,kms:2 | any of kms:1, kms:2",
    })
    void parses(String text, String printed, String described) {
        Endpoints endpoints = Endpoints.parse(text);

        assertEquals(printed, endpoints.toString());
        assertEquals(described, endpoints.describe());
        assertEquals(endpoints, Endpoints.parse(endpoints.toString()), "toString reads back");
    }

    @Test
    void keepsTheOrderGiven() {
        assertEquals(List.of(new Endpoint("b", 2), new Endpoint("a", 1)), Endpoints.parse("b:2,a:1").all());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "'' | no endpoint given (expected host:port, or several separated by commas)",
        "'  ' | no endpoint given (expected host:port, or several separated by commas)",
        "kms-a:1,,kms-b:1 | 'kms-a:1,,kms-b:1' has an empty entry at position 2 (expected host:port,host:port,...)",
        "kms-a:1, | 'kms-a:1,' has an empty entry at position 2 (expected host:port,host:port,...)",
        ",kms-a:1 | ',kms-a:1' has an empty entry at position 1 (expected host:port,host:port,...)",
        "kms-a:1,kms-b | entry 2 of 'kms-a:1,kms-b': 'kms-b' is not host:port (IPv6 literals go in brackets: [::1]:8443)",
        "kms-a:1,kms-b:0 | entry 2 of 'kms-a:1,kms-b:0': 'kms-b:0' has port 0, outside 1-65535",
        "https://kms-a:1,kms-b:1 | entry 1 of 'https://kms-a:1,kms-b:1': 'https://kms-a:1' is not host:port (IPv6 literals go in brackets: [::1]:8443)",
        "kms-a:1;kms-b:1 | 'kms-a:1;kms-b:1' is not host:port (separate several endpoints with commas)",
        "kms-a:1 kms-b:1 | 'kms-a:1 kms-b:1' is not host:port (separate several endpoints with commas)",
        "kms-a:1,kms-b:1 kms-c:1 | entry 2 of 'kms-a:1,kms-b:1 kms-c:1': 'kms-b:1 kms-c:1' is not host:port (separate several endpoints with commas)",
        "kms-a::1 | 'kms-a::1' is not host:port (IPv6 literals go in brackets: [::1]:8443)",
        "kms-a:1,kms-b:1,kms-a:1 | 'kms-a:1' is listed twice in 'kms-a:1,kms-b:1,kms-a:1'",
        "kms-a:1,kms-b:1, kms-a:1 | 'kms-a:1' is listed twice in 'kms-a:1,kms-b:1, kms-a:1'",
    })
    void refuses(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoints.parse(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void acceptsUpToTheMaximum() {
        assertEquals(Endpoints.MAX, Endpoints.parse(list(Endpoints.MAX)).all().size());
    }

    @Test
    void refusesMoreThanTheMaximum() {
        String text = list(Endpoints.MAX + 1);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoints.parse(text));

        assertEquals("'" + text + "' lists 65 endpoints, at most 64 are accepted", e.getMessage());
    }

    @Test
    void theConstructorRefusesAnEmptyList() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Endpoints(List.of()));
        assertEquals("no endpoint", e.getMessage());
    }

    private static String list(int count) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> "node-" + i + ":8443").collect(Collectors.joining(","));
    }
}
