package coffre.kms.server.approval;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Page sizes and page tokens of approval listings. A token is the offset of the next page in the
 * listing, versioned ("a1:") and base64url-encoded: opaque to callers, so that what it holds can
 * change; anything this server did not issue is refused with one uniform error.
 */
final class PageTokens {
    static final int DEFAULT_PAGE_SIZE = 100;
    static final int MAX_PAGE_SIZE = 1000;
    private static final String VERSION = "a1:";

    private PageTokens() {
    }

    /** @param requested 0 for the default */
    static int pageSize(int requested) {
        int size = requested == 0 ? DEFAULT_PAGE_SIZE : requested;
        if (size < 0 || size > MAX_PAGE_SIZE) {
            throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_size is 1 to " + MAX_PAGE_SIZE);
        }
        return size;
    }

    /** The offset a token stands for; 0 for the empty token (the first page). */
    static int offset(String token) {
        if (token.isEmpty()) {
            return 0;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
            if (text.startsWith(VERSION)) {
                int offset = Integer.parseInt(text.substring(VERSION.length()));
                if (offset >= 0) {
                    return offset;
                }
            }
        } catch (IllegalArgumentException e) {
            // the uniform error below
        }
        throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_token was not issued by this server");
    }

    /** The token of the page that starts at {@code offset}. */
    static String at(int offset) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((VERSION + offset).getBytes(StandardCharsets.US_ASCII));
    }
}
