package coffre.kms.server.access;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The terms of a grant as a caller writes them, before the server checks them and gives the grant
 * an id: what an edge maps its wire form to. {@link GrantRecord#create} validates them, naming
 * each bad field, in the order the API documents.
 *
 * @param keyId              the key's id (an alias is refused)
 * @param principal          one exact principal
 * @param operations         operation names (see {@link coffre.kms.server.domain.DataOperation#named})
 * @param contextConstraints pairs the encryption context must hold
 * @param notBefore          null: from the moment the grant is created
 * @param notAfter           required (null is refused)
 */
public record GrantTerms(String keyId, String principal, List<String> operations,
                         Map<String, String> contextConstraints, Instant notBefore, Instant notAfter) {
    public GrantTerms {
        operations = operations == null ? List.of() : List.copyOf(operations);
        contextConstraints = contextConstraints == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(contextConstraints));
    }
}
