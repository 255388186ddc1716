package dev.athanor.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresServiceTest {

    @TempDir
    Path home;

    @Test
    void dataSurvivesStopAndStartWithTheSameHome() throws Exception {
        Path data = home.resolve("pg");
        int port;
        try (PostgresService pg = PostgresService.start(data, 0, "athanor", home.resolve("logs/postgres.log"))) {
            port = pg.port();
            assertThat(pg.jdbcUrl()).endsWith("/athanor");
            try (Connection c = pg.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit')")) {
                rs.next();
                assertThat(rs.getString(1)).as("durable: fsync").isEqualTo("on");
                assertThat(rs.getString(2)).as("durable: synchronous_commit").isEqualTo("on");
            }
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE kept(id int primary key, v text)");
                st.execute("INSERT INTO kept VALUES (1, 'survives')");
            }
        }
        assertThat(Files.exists(data.resolve("PG_VERSION"))).isTrue();
        assertThat(Ports.isFree(port)).as("server stopped and released its port").isTrue();

        try (PostgresService pg = PostgresService.start(data, port, "athanor", null)) {
            assertThat(pg.port()).isEqualTo(port);
            try (Connection c = pg.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT v FROM kept WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("survives");
            }
        }
    }

    @Test
    void lockFilePreventsASecondInstanceOnTheSameHome() throws Exception {
        try (HomeLock lock = HomeLock.acquire(home)) {
            assertThat(HomeLock.ownerPid(home)).contains(ProcessHandle.current().pid());
            assertThat(HomeLock.isHeld(home)).isTrue();
            assertThatThrownBy(() -> HomeLock.acquire(home))
                    .isInstanceOf(HomeLock.AlreadyRunningException.class)
                    .hasMessageContaining("already running")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid());
        }
        assertThat(HomeLock.isHeld(home)).isFalse();
        try (HomeLock again = HomeLock.acquire(home)) {
            assertThat(again.file()).exists();
        }
    }

    @Test
    void lockIsHeldAgainstAnotherProcess() throws Exception {
        try (HomeLock lock = HomeLock.acquire(home)) {
            // a separate JVM trying to take the lock must fail: run a tiny Java program that tries tryLock
            Path src = home.resolve("Try.java");
            Files.writeString(src, """
                    import java.nio.channels.*; import java.nio.file.*;
                    public class Try { public static void main(String[] a) throws Exception {
                      try (FileChannel ch = FileChannel.open(Path.of(a[0]), StandardOpenOption.WRITE)) {
                        System.exit(ch.tryLock() == null ? 3 : 0); } } }
                    """);
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(javaBin, src.toString(), lock.file().toString()).redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            assertThat(p.waitFor()).isEqualTo(3);
        }
    }
}
