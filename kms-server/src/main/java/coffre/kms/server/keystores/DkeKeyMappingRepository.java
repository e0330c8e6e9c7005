package coffre.kms.server.keystores;

import java.util.List;
import java.util.Optional;

/**
 * Where DKE key name mappings are kept (the port; {@code store/JdbcDkeKeyMappings} adapts it).
 * Each change is announced on the cluster's change feed (topic {@code DKE}, the key name) in its
 * own transaction, so every node re-reads the name at once.
 */
public interface DkeKeyMappingRepository {

    List<DkeKeyMapping> loadAll();

    Optional<DkeKeyMapping> load(String keyName);

    /** @throws coffre.kms.server.domain.KmsException DKE_KEY_MAPPING_ALREADY_EXISTS when the name is taken */
    void insert(DkeKeyMapping mapping);

    /** @return whether a mapping was deleted */
    boolean delete(String keyName);
}
