package coffre.kms.server.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One identity, one spelling: the canonical forms of principal names and patterns. */
class PrincipalNamesTest {
    @ParameterizedTest(name = "canonical: {0}")
    @ValueSource(strings = {"spiffe://cloud.example/ns/billing/sa/api", "spiffe://cloud.example/ns/*",
            "spiffe://cloud.example/ns/billing/sa/ap?", "billing-api", "Billing API", "Émilie Durand", "*",
            "urn:example:svc", "https://idp.example:8443/users/Alice"})
    void canonicalNamesAndPatternsAreAccepted(String name) {
        assertEquals(Optional.empty(), PrincipalNames.problem(name));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "SPIFFE://cloud.example/ns/billing | lower case",
            "spiffe://Cloud.Example/ns/billing | lower case",
            "spiffe://cloud.example/ns/%62illing | percent-encoding",
            "spiffe://cloud.example/ns%2Fbilling | percent-encoding",
            "spiffe://cloud.example//ns/billing | path segment",
            "spiffe://cloud.example/ns/./billing | path segment",
            "spiffe://cloud.example/ns/x/../billing | path segment",
            "spiffe://cloud.example/ns/billing/ | path segment",
            "spiffe://cloud.example/ns/billing#x | fragment",
            "spiffe://cloud.example/ns/bіlling | ASCII",
    })
    void otherSpellingsOfAUriAreRefused(String name, String problem) {
        Optional<String> found = PrincipalNames.problem(name);
        assertTrue(found.isPresent() && found.get().contains(problem), name + ": " + found);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\uff41lice", "e\u0301milie", "alice\u0000", " alice", "alice ", "ﬁnance"})
    void lookAlikeControlAndPaddedNamesAreRefused(String name) {
        assertTrue(PrincipalNames.problem(name).isPresent(), name);
    }
}
