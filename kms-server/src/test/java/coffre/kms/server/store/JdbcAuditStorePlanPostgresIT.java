package coffre.kms.server.store;

import coffre.kms.server.testing.PostgresTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The audit store's statement plans on the real PostgreSQL, each test in a schema of its own. */
class JdbcAuditStorePlanPostgresIT extends JdbcAuditStorePlanContract {
    private static PostgresTestDatabase db;
    private String schema;

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.require();
    }

    @AfterEach
    void dropSchema() {
        db.dropSchema(schema);
    }

    @Override
    Storage open() {
        schema = db.newSchema("auditplan");
        return StoreFactory.open(db.settings(schema));
    }
}
