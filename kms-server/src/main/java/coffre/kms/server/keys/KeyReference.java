package coffre.kms.server.keys;

import coffre.kms.server.domain.KmsException;

/**
 * What a caller names a key by: its id, or {@code alias/<name>}.
 */
public sealed interface KeyReference permits KeyReference.ById, KeyReference.ByAlias {

    record ById(KeyId id) implements KeyReference {
    }

    record ByAlias(Alias alias) implements KeyReference {
    }

    /**
     * Parses a caller's key reference.
     *
     * @param field the request field name, for the error when it is empty
     */
    static KeyReference parse(String text, String field) {
        if (text == null || text.isEmpty()) {
            throw KmsException.missing(field);
        }
        if (text.startsWith(Alias.PREFIX)) {
            return new ByAlias(new Alias(text.substring(Alias.PREFIX.length())));
        }
        return new ById(new KeyId(text));
    }
}
