package coffre.kms.server.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Page sizes and the tokens of approval listings: only what this server issued is accepted. */
class PageTokensTest {

    @Test
    void aTokenStandsForTheOffsetItWasIssuedFor() {
        assertEquals(0, PageTokens.offset(""));
        for (int offset : List.of(0, 1, 100, 1_000_000)) {
            assertEquals(offset, PageTokens.offset(PageTokens.at(offset)));
        }
        assertEquals("YTE6MTAw", PageTokens.at(100), "the format of tokens already handed out");
    }

    @Test
    void anythingElseIsRefusedWithOneError() {
        for (String token : List.of("not base64!", encode("a1:-1"), encode("a1:x"), encode("b1:5"), encode("a1:"),
                encode("a1:99999999999"))) {
            KmsException e = assertThrows(KmsException.class, () -> PageTokens.offset(token), token);
            assertEquals(ErrorReason.INVALID_PAGINATION, e.reason());
            assertEquals("page_token was not issued by this server", e.getMessage());
        }
    }

    @Test
    void pageSizesAreOneToAThousandAndZeroMeansTheDefault() {
        assertEquals(PageTokens.DEFAULT_PAGE_SIZE, PageTokens.pageSize(0));
        assertEquals(1, PageTokens.pageSize(1));
        assertEquals(1000, PageTokens.pageSize(1000));
        for (int size : List.of(-1, 1001, Integer.MIN_VALUE)) {
            assertEquals(ErrorReason.INVALID_PAGINATION,
                    assertThrows(KmsException.class, () -> PageTokens.pageSize(size)).reason());
        }
    }

    private static String encode(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
