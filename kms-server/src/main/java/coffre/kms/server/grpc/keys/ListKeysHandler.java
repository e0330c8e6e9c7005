package coffre.kms.server.grpc.keys;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.ListKeysResponse;
import io.grpc.MethodDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code KeyService.ListKeys}: keys by id order, from the in-memory view. The page token is the
 * last id of the previous page, versioned and base64url-encoded; it is opaque to clients.
 */
public final class ListKeysHandler implements UnaryHandler<ListKeysRequest, ListKeysResponse> {
    public static final int MAX_PAGE_SIZE = 1000;
    public static final int DEFAULT_PAGE_SIZE = 100;
    private static final String TOKEN_PREFIX = "k1:";

    private final KeyRegistry registry;

    public ListKeysHandler(KeyRegistry registry) {
        this.registry = registry;
    }

    @Override
    public MethodDescriptor<ListKeysRequest, ListKeysResponse> method() {
        return KeyServiceGrpc.getListKeysMethod();
    }

    @Override
    public Operation operation() {
        return Operation.LIST_KEYS;
    }

    @Override
    public Reply<ListKeysResponse> handle(Principal caller, ListKeysRequest request) {
        int pageSize = request.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : request.getPageSize();
        if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
            throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_size is 1 to " + MAX_PAGE_SIZE,
                    Map.of("limit", Integer.toString(MAX_PAGE_SIZE)));
        }
        KeyId after = request.getPageToken().isEmpty() ? null : decode(request.getPageToken());
        List<KeyMetadata> page = registry.page(after, pageSize + 1);
        ListKeysResponse.Builder response = ListKeysResponse.newBuilder();
        page.stream().limit(pageSize).map(KeyMessages::toProto).forEach(response::addKeys);
        if (page.size() > pageSize) {
            response.setNextPageToken(encode(page.get(pageSize - 1).id()));
        }
        return Reply.of(response.build());
    }

    static String encode(KeyId last) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((TOKEN_PREFIX + last.value()).getBytes(StandardCharsets.US_ASCII));
    }

    static KeyId decode(String token) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
            if (text.startsWith(TOKEN_PREFIX) && KeyId.isWellFormed(text.substring(TOKEN_PREFIX.length()))) {
                return new KeyId(text.substring(TOKEN_PREFIX.length()));
            }
        } catch (IllegalArgumentException e) {
            // fall through to the uniform error below
        }
        throw new KmsException(ErrorReason.INVALID_PAGINATION, "page_token was not issued by this server");
    }
}
