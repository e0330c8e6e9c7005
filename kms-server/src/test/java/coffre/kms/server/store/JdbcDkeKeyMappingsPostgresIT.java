package coffre.kms.server.store;

import coffre.kms.server.testing.PostgresTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** DKE key name mappings in the real PostgreSQL, each test in a schema of its own. */
class JdbcDkeKeyMappingsPostgresIT extends JdbcDkeKeyMappingsContract {
    private static PostgresTestDatabase db;
    private String schema;

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.require();
    }

    @BeforeEach
    void freshSchema() {
        schema = db.newSchema("dke");
    }

    @AfterEach
    void dropSchema() {
        db.dropSchema(schema);
    }

    @Override
    Storage open() {
        return StoreFactory.open(db.settings(schema));
    }
}
