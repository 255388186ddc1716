package dev.athanor.controlplane.api;

import jakarta.persistence.PersistenceException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** A database outage (down, restarting, read-only, pool exhausted) is told apart from a bug: 503, not 500. */
class DatabaseUnavailableTest {

    @Test
    void outagesAreRecognisedThroughWrappersAndBugsAreNot() {
        assertThat(DatabaseUnavailable.reason(new PersistenceException(new SQLException("refused", "08001"))))
                .contains("cannot connect");
        assertThat(DatabaseUnavailable.reason(new RuntimeException(new SQLException("terminating", "57P01"))))
                .contains("shutting down");
        assertThat(DatabaseUnavailable.reason(new SQLException("cannot execute INSERT in a read-only transaction", "25006")))
                .contains("read-only");
        assertThat(DatabaseUnavailable.reason(new IllegalStateException(
                new SQLException("Acquisition timeout while waiting for new connection")))).contains("connection");
        assertThat(DatabaseUnavailable.reason(new SQLException("duplicate key", "23505"))).isNull();
        assertThat(DatabaseUnavailable.reason(new NullPointerException())).isNull();
    }
}
