package dev.athanor.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 8, defect 4: the embedded PostgreSQL trusted every local connection (any local user, any worker, could read
 * and change every team's jobs). It now has a generated password, stored 0600, and scram-sha-256 authentication only,
 * across restarts.
 */
class EmbeddedPostgresRequiresAPasswordTest {
    @TempDir
    Path home;

    @Test
    void onlyTheGeneratedPasswordGetsIn() throws Exception {
        Path data = home.resolve("pg");
        String password;
        int port;
        try (PostgresService pg = PostgresService.start(data, 0, "athanor", home.resolve("logs/postgres.log"))) {
            password = pg.password();
            port = pg.port();
            assertThat(password).hasSizeGreaterThan(30).isNotEqualTo("postgres");
            Path file = home.resolve(PostgresService.PASSWORD_FILE);
            assertThat(Files.readString(file).trim()).isEqualTo(password);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertRefused(pg.jdbcUrl(), "");
            assertRefused(pg.jdbcUrl(), "postgres");
            try (Connection c = pg.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
        // restarts with the same password and still refuses everything else
        try (PostgresService pg = PostgresService.start(data, port, "athanor", null)) {
            assertThat(pg.password()).isEqualTo(password);
            assertRefused(pg.jdbcUrl(), "postgres");
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT 1");
            }
        }
    }

    private static void assertRefused(String url, String password) {
        assertThatThrownBy(() -> {
            try (Connection c = DriverManager.getConnection(url, PostgresService.USER, password)) {
                c.isValid(1);
            }
        }).isInstanceOf(SQLException.class).hasMessageContaining("password");
    }
}
