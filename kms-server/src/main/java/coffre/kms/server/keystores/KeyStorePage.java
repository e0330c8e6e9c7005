package coffre.kms.server.keystores;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One page of a key-store listing (stores by id, a store's mappings by external key id). The page
 * token is the sort key of the previous page's last item, versioned ({@code x1:}) and
 * base64url-encoded: opaque to callers, and a listing stays consistent while items come and go.
 *
 * @param nextPageToken empty on the last page
 */
public record KeyStorePage<T>(List<T> items, String nextPageToken) {
    public static final int DEFAULT_PAGE_SIZE = 100;
    public static final int MAX_PAGE_SIZE = 1000;
    private static final String VERSION = "x1:";

    public KeyStorePage {
        items = List.copyOf(items);
    }

    /**
     * The page of {@code sorted} (ascending by {@code key}) after {@code pageToken}.
     *
     * @param pageSize 0 for the default
     * @throws KmsException {@link ErrorReason#INVALID_PAGINATION} for a size out of range or a token
     *         this server did not issue
     */
    static <T> KeyStorePage<T> of(List<T> sorted, Function<T, String> key, int pageSize, String pageToken) {
        int size = pageSize == 0 ? DEFAULT_PAGE_SIZE : pageSize;
        if (size < 0 || size > MAX_PAGE_SIZE) {
            throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_size is 1 to " + MAX_PAGE_SIZE,
                    Map.of("limit", Integer.toString(MAX_PAGE_SIZE)));
        }
        String after = pageToken == null || pageToken.isEmpty() ? null : decode(pageToken);
        List<T> rest = after == null ? sorted : sorted.stream().filter(item -> key.apply(item).compareTo(after) > 0).toList();
        if (rest.size() <= size) {
            return new KeyStorePage<>(rest, "");
        }
        List<T> page = rest.subList(0, size);
        return new KeyStorePage<>(page, encode(key.apply(page.get(size - 1))));
    }

    private static String encode(String last) {
        return java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString((VERSION + last).getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String token) {
        try {
            String text = new String(java.util.Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (text.startsWith(VERSION) && text.length() > VERSION.length()) {
                return text.substring(VERSION.length());
            }
        } catch (IllegalArgumentException e) {
            // the uniform error below
        }
        throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_token was not issued by this server");
    }
}
