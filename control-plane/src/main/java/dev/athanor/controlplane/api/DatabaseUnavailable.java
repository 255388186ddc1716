package dev.athanor.controlplane.api;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;

/**
 * Recognises a failure that means "the database cannot take this request now" (PostgreSQL down or restarting, the pool
 * cannot get a connection, the server is read-only after a failover) rather than a bug. The API answers those with 503
 * and {@code Retry-After}, so clients retry; nothing was acknowledged, so nothing is lost.
 */
final class DatabaseUnavailable {
    private DatabaseUnavailable() {
    }

    /** The database-side reason in the cause chain of {@code t}, or null when it is not a database outage. */
    static String reason(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLTransientConnectionException || c instanceof SQLNonTransientConnectionException) {
                return "cannot connect to PostgreSQL";
            }
            if (c instanceof SQLException s) {
                String state = s.getSQLState() == null ? "" : s.getSQLState();
                if (state.startsWith("08")) {
                    return "cannot connect to PostgreSQL";
                }
                if (state.startsWith("57P")) {
                    return "PostgreSQL is shutting down or starting";
                }
                if (state.equals("25006")) {
                    return "PostgreSQL is read-only (a standby, or during a failover)";
                }
                if (state.equals("53300")) {
                    return "PostgreSQL has no connection left";
                }
                String m = s.getMessage() == null ? "" : s.getMessage().toLowerCase(Locale.ROOT);
                if (m.contains("acquisition timeout")) {
                    return "no database connection became free in time";
                }
            }
            if (c instanceof java.net.ConnectException) {
                return "cannot connect to PostgreSQL";
            }
            if (c.getClass().getName().equals("org.hibernate.exception.JDBCConnectionException")) {
                return "cannot connect to PostgreSQL";
            }
        }
        return null;
    }
}
