package dev.athanor.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A real PostgreSQL server from zonky's embedded binaries. Data lives in {@code dataDir} and is kept across restarts
 * (initdb runs only when the directory has no cluster yet); the port is remembered in the state file and reused when
 * still free. User {@code postgres} authenticates with a generated password (scram-sha-256), kept next to the data
 * directory in {@code pg-password} with mode 0600; no local connection is trusted (issue 8, defect 4).
 */
public final class PostgresService implements AutoCloseable {
    public static final String USER = "postgres";
    /** The password file, a sibling of the data directory. */
    public static final String PASSWORD_FILE = "pg-password";
    static final String HBA = """
            # written by Athanor: password (scram-sha-256) authentication only, no trusted local connections
            local all all scram-sha-256
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256
            """;

    private final EmbeddedPostgres pg;
    private final String database;
    private final String password;

    private PostgresService(EmbeddedPostgres pg, String database, String password) {
        this.pg = pg;
        this.database = database;
        this.password = password;
    }

    /**
     * @param dataDir  the cluster directory (created and initialised on first start)
     * @param port     the port to listen on (0: pick a free one)
     * @param database created if missing
     * @param log      where the server's stdout/stderr go (null: discard)
     */
    public static PostgresService start(Path dataDir, int port, String database, Path log) throws IOException {
        return start(dataDir, port, database, log, true);
    }

    /**
     * @param durable true: fsync and synchronous_commit on (zonky's test defaults turn both off; user data in the
     *                home deserves a crash-safe server, and the submit benchmark measures the same server both ways)
     */
    public static PostgresService start(Path dataDir, int port, String database, Path log, boolean durable)
            throws IOException {
        Files.createDirectories(dataDir.getParent());
        String password = AdminToken.readOrCreateSecret(dataDir.resolveSibling(PASSWORD_FILE), "");
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setConnectConfig("password", password)
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port > 0 ? port : Ports.free())
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "300")
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("fsync", durable ? "on" : "off")
                .setServerConfig("synchronous_commit", durable ? "on" : "off");
        if (log != null) {
            Files.createDirectories(log.getParent());
            b.setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
        }
        EmbeddedPostgres pg = b.start();
        PostgresService s = new PostgresService(pg, database, password);
        try {
            s.requirePassword(dataDir);
            s.createDatabaseIfMissing(database);
        } catch (SQLException e) {
            pg.close();
            throw new IOException("PostgreSQL started but creating database '" + database + "' failed: " + e.getMessage(), e);
        }
        return s;
    }

    /**
     * initdb (zonky) trusts every local connection: on the first start (and on a data directory from before), set the
     * generated password and switch pg_hba.conf to scram-sha-256 only, then reload.
     */
    private void requirePassword(Path dataDir) throws SQLException, IOException {
        Path hba = dataDir.resolve("pg_hba.conf");
        if (Files.isRegularFile(hba) && Files.readString(hba).equals(HBA)) {
            return;
        }
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("SET password_encryption = 'scram-sha-256'");
            st.execute("ALTER ROLE " + USER + " PASSWORD '" + password.replace("'", "''") + "'");
            Files.writeString(hba, HBA);
            st.execute("SELECT pg_reload_conf()");
        }
    }

    public String password() {
        return password;
    }

    private void createDatabaseIfMissing(String name) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("bad database name " + name);
        }
        try (Connection c = pg.getPostgresDatabase().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name);
            }
        }
    }

    public int port() {
        return pg.getPort();
    }

    public String database() {
        return database;
    }

    /** JDBC URL without credentials (pass {@link #USER} and {@link #password()} separately). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    public Connection connect() throws SQLException {
        return java.sql.DriverManager.getConnection(jdbcUrl(), USER, password);
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
