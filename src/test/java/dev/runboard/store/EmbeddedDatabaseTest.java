package dev.runboard.store;

import dev.runboard.config.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The embedded database admits only its superuser, with the password kept in its data directory")
class EmbeddedDatabaseTest {

  @Test
  @DisplayName("a connection without the password or with a wrong one is refused; the password file is 0600")
  void passwordRequired(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("postgres");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(data, 0)) {
      DatabaseUrl url = db.url();
      assertRefused(url, null);
      assertRefused(url, "");
      assertRefused(url, "wrong-" + url.password());
      try (Connection c = connect(url, url.password()); Statement s = c.createStatement()) {
        assertThat(single(s, "SELECT current_user")).isEqualTo("postgres");
        assertThat(single(s, "SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'"))
          .startsWith("SCRAM-SHA-256$4096:");
        assertThat(single(s, "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method <> 'scram-sha-256'"))
          .isEqualTo("0");
      }
      Path file = data.resolve(SuperuserAccess.PASSWORD_FILE);
      assertThat(Files.readString(file, StandardCharsets.UTF_8).strip()).isEqualTo(url.password());
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      assertThat(url.password()).hasSizeGreaterThanOrEqualTo(40);
      assertThat(Files.readAllLines(data.resolve("pg_hba.conf"))).noneMatch(line -> line.contains("trust"));
    }
  }

  @Test
  @DisplayName("a restart keeps the password; loose permissions are narrowed back to 0600; a lost file is replaced")
  void restart(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("postgres");
    Path file = data.resolve(SuperuserAccess.PASSWORD_FILE);
    String password;
    try (EmbeddedDatabase db = EmbeddedDatabase.start(data, 0)) {
      password = db.url().password();
      try (Connection c = connect(db.url(), password); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE kept (v text)");
        s.execute("INSERT INTO kept VALUES ('across restarts')");
      }
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    try (EmbeddedDatabase db = EmbeddedDatabase.start(data, 0)) {
      assertThat(db.url().password()).isEqualTo(password);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      try (Connection c = connect(db.url(), password); Statement s = c.createStatement()) {
        assertThat(single(s, "SELECT v FROM kept")).isEqualTo("across restarts");
      }
    }
    Files.delete(file);
    try (EmbeddedDatabase db = EmbeddedDatabase.start(data, 0)) {
      assertThat(db.url().password()).isNotEqualTo(password);
      assertRefused(db.url(), password);
      try (Connection c = connect(db.url(), db.url().password()); Statement s = c.createStatement()) {
        assertThat(single(s, "SELECT v FROM kept")).isEqualTo("across restarts");
      }
    }
  }

  @Test
  @DisplayName("a data directory of an earlier version (trust, no password file) is upgraded in place, data kept")
  void upgradesTrustDirectory(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("postgres");
    // What Runboard did before: zonky's defaults (initdb -A trust), database created without a password.
    try (EmbeddedPostgres legacy = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
      .setServerConfig("listen_addresses", "127.0.0.1").start()) {
      try (Connection c = legacy.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + EmbeddedDatabase.DATABASE);
      }
      try (Connection c = legacy.getDatabase("postgres", EmbeddedDatabase.DATABASE).getConnection();
           Statement s = c.createStatement()) {
        s.execute("CREATE TABLE projects (name text)");
        s.execute("INSERT INTO projects VALUES ('made before the upgrade')");
      }
    }
    assertThat(Files.readString(data.resolve("pg_hba.conf"))).contains("trust");
    assertThat(data.resolve(SuperuserAccess.PASSWORD_FILE)).doesNotExist();

    try (EmbeddedDatabase db = EmbeddedDatabase.start(data, 0)) {
      assertRefused(db.url(), null);
      try (Connection c = connect(db.url(), db.url().password()); Statement s = c.createStatement()) {
        assertThat(single(s, "SELECT name FROM projects")).isEqualTo("made before the upgrade");
      }
      Path file = data.resolve(SuperuserAccess.PASSWORD_FILE);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      assertThat(Files.readAllLines(data.resolve("pg_hba.conf"))).noneMatch(line -> line.contains("trust"));
    }
  }

  private static void assertRefused(DatabaseUrl url, String password) {
    assertThatThrownBy(() -> connect(url, password).close())
      .as("connecting with password %s", password == null ? "none" : "'" + password + "'")
      .isInstanceOf(SQLException.class)
      .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isIn("28P01", "08004"));
  }

  private static Connection connect(DatabaseUrl url, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", url.user());
    if (password != null) {
      props.setProperty("password", password);
    }
    return DriverManager.getConnection(url.jdbcUrl(), props);
  }

  private static String single(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }
}
