package coffre.kms.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** --endpoint values: one address, comma lists, repeats, and the errors for bad ones. */
class EndpointTest {

    @Test
    void repeatedAndCommaSeparatedValuesMakeOneListInOrder() {
        assertEquals(List.of(new Endpoint("kms-a", 7443), new Endpoint("kms-b", 7443), new Endpoint("::1", 7443)),
                Endpoint.parseAll(List.of("kms-a:7443", " kms-b:7443 , [::1]:7443")));
    }

    @Test
    void printsIpv6InBrackets() {
        assertEquals("[::1]:7443", Endpoint.parse("[::1]:7443").toString());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "kms-a | bad endpoint 'kms-a': expected host:port",
        "kms-a: | bad endpoint 'kms-a:': expected host:port",
        ":7443 | bad endpoint ':7443': expected host:port",
        "kms-a:https | bad endpoint 'kms-a:https': the port is not a number",
        "kms-a:0 | bad endpoint 'kms-a:0': port 0 is outside 1-65535",
        "kms-a:70000 | bad endpoint 'kms-a:70000': port 70000 is outside 1-65535",
        "::1:7443 | bad endpoint '::1:7443': IPv6 literals go in brackets, e.g. [::1]:8443",
        "https://kms-a:7443 | bad endpoint 'https://kms-a:7443': expected host:port, no scheme or path",
        "kms/a:7443 | bad endpoint 'kms/a:7443': expected host:port, no scheme or path",
        "kms-a:7443,,kms-b:7443 | --endpoint 'kms-a:7443,,kms-b:7443' has an empty entry at position 2 (expected host:port,host:port,...)",
        "kms-a:7443, | --endpoint 'kms-a:7443,' has an empty entry at position 2 (expected host:port,host:port,...)",
        "kms-a:7443 kms-b:7443 | bad endpoint 'kms-a:7443 kms-b:7443': separate several endpoints with commas",
        "kms-a:7443;kms-b:7443 | bad endpoint 'kms-a:7443;kms-b:7443': separate several endpoints with commas",
        "kms-a:7443,kms-a:7443 | endpoint kms-a:7443 is given twice",
    })
    void refuses(String value, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.parseAll(List.of(value)));
        assertEquals(message, e.getMessage());
    }

    @Test
    void aDuplicateAcrossRepeatedFlagsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.parseAll(List.of("kms-a:7443,kms-b:7443", "kms-b:7443")));
        assertEquals("endpoint kms-b:7443 is given twice", e.getMessage());
    }

    @Test
    void noValueIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.parseAll(List.of()));
        assertEquals("no endpoint given", e.getMessage());
    }

    @Test
    void moreThanTheMaximumIsRefused() {
        List<String> many = new java.util.ArrayList<>();
        for (int i = 0; i <= Endpoint.MAX; i++) {
            many.add("node-" + i + ":7443");
        }
        Collections.shuffle(many);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.parseAll(many));
        assertEquals("65 endpoints given, at most 64", e.getMessage());
    }
}
