package dev.athanor.controlplane.ingest;

import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Tells a write failure that one record causes (its data cannot be stored: SQLState class 22 "data exception" or
 * 23 "integrity constraint violation") from one of the database as a whole (connection lost, read-only standby
 * 25006, insufficient resources 53xxx, shutdown 57Pxx, serialization failure 40001, schema mismatch during a rolling
 * upgrade, pool exhaustion...). Only the first kind may send a record to the dead-letter topic; the second pauses
 * ingest until the database takes writes again.
 */
public enum WriteFailure {
    /** This record cannot be stored; retrying will not help. */
    RECORD,
    /** The database cannot take writes now; retry later without committing offsets. */
    DATABASE;

    /**
     * Classifies a failure of applying events. A failure with an SQLState is judged by it; a failure without any
     * {@link SQLException} in its chain is a code-path failure that the event's content caused (a record error) unless
     * it comes from the transaction manager or connection handling.
     */
    public static WriteFailure of(Throwable failure) {
        String state = sqlState(failure);
        if (state != null) {
            return state.startsWith("22") || state.startsWith("23") ? RECORD : DATABASE;
        }
        if (hasSqlException(failure) || fromInfrastructure(failure)) {
            return DATABASE;
        }
        return RECORD;
    }

    /** The first SQLState found in the cause chain (including a batch's next exceptions), or null. */
    static String sqlState(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                for (SQLException n = s; n != null && (n == s || seen.put(n, Boolean.TRUE) == null);
                     n = n.getNextException()) {
                    if (n.getSQLState() != null && !n.getSQLState().isBlank()) {
                        return n.getSQLState();
                    }
                }
            }
        }
        return null;
    }

    private static boolean hasSqlException(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof SQLException) {
                return true;
            }
        }
        return false;
    }

    private static boolean fromInfrastructure(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            String n = t.getClass().getName();
            if (n.startsWith("jakarta.transaction.") || n.startsWith("com.arjuna.") || n.startsWith("io.agroal.")
                    || n.startsWith("org.hibernate.exception.JDBCConnection")
                    || n.startsWith("org.hibernate.exception.GenericJDBC")
                    || t instanceof java.io.IOException || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** A short, secret-free description for logs and health: the SQLState and the root message. */
    public static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String state = sqlState(failure);
        return (state == null ? "" : "SQLState " + state + ": ") + root.getClass().getSimpleName() + ": "
                + root.getMessage();
    }
}
