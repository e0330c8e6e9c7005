package coffre.kms.server.store;

import coffre.kms.server.testing.PostgresTestDatabase;
import org.junit.jupiter.api.BeforeAll;

/** Audit retention in the real PostgreSQL, each test in a schema of its own. */
class AuditRetentionStorePostgresIT extends AuditRetentionStoreContract {
    private static PostgresTestDatabase db;
    private String schema;

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.require();
    }

    @Override
    Storage open() {
        schema = db.newSchema("retention");
        return StoreFactory.open(db.settings(schema));
    }

    @Override
    void dispose() {
        db.dropSchema(schema);
    }
}
