package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.domain.StoreException;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The one retry of {@link Transactions}: work that meets a connection broken before its commit
 * (the database restarted) runs again on a fresh connection; a commit whose outcome is unknown, or
 * any other failure, is reported and never repeated.
 */
class TransactionsTest {
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean commitFails;

    private Connection connection() {
        connections.incrementAndGet();
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("commit") && commitFails) {
                        throw new SQLException("connection reset during commit", "08006");
                    }
                    return null;
                });
    }

    private final DataSource dataSource = new DataSource() {
        @Override
        public Connection getConnection() {
            return connection();
        }

        @Override
        public Connection getConnection(String username, String password) {
            return connection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    };

    private final Transactions transactions = new Transactions(dataSource, "test store");

    @Test
    void workOnAConnectionBrokenBeforeTheCommitRunsOnceMoreOnAFreshOne() {
        AtomicInteger runs = new AtomicInteger();
        int result = transactions.run(c -> {
            if (runs.incrementAndGet() == 1) {
                throw new SQLException("terminating connection due to administrator command", "57P01");
            }
            return 42;
        });
        assertEquals(42, result);
        assertEquals(2, runs.get());
        assertEquals(2, connections.get());
    }

    @Test
    void aSecondBrokenConnectionIsReported() {
        AtomicInteger runs = new AtomicInteger();
        StoreException e = assertThrows(StoreException.class, () -> transactions.run(c -> {
            runs.incrementAndGet();
            throw new SQLException("I/O error", "08006");
        }));
        assertEquals("test store operation failed (SQLState 08006)", e.getMessage());
        assertEquals(2, runs.get());
    }

    @Test
    void aCommitWithAnUnknownOutcomeIsNeverRepeated() {
        commitFails = true;
        AtomicInteger runs = new AtomicInteger();
        assertThrows(StoreException.class, () -> transactions.run(c -> runs.incrementAndGet()));
        assertEquals(1, runs.get());
    }

    @Test
    void otherFailuresAreNotRetried() {
        AtomicInteger runs = new AtomicInteger();
        assertThrows(StoreException.class, () -> transactions.run(c -> {
            runs.incrementAndGet();
            throw new SQLException("duplicate key", "23505");
        }));
        assertEquals(1, runs.get());
    }
}
