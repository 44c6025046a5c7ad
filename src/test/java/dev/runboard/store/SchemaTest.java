package dev.runboard.store;

import dev.runboard.TestDatabase;
import dev.runboard.config.DatabaseUrl;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The Flyway schema applies from empty and its constraints hold")
class SchemaTest {

  private static DatabaseUrl url;

  @BeforeAll
  static void migrate() {
    url = TestDatabase.freshDatabase();
    assertThat(Migrations.migrate(url)).isEqualTo("1");
  }

  @Test
  @DisplayName("migrating again is a no-op")
  void idempotent() {
    assertThat(Migrations.migrate(url)).isEqualTo("1");
  }

  @Test
  @DisplayName("a second attempt with the same (run, test, retry) is rejected by the unique key")
  void duplicateAttempt() throws SQLException {
    try (Connection c = TestDatabase.jdbc(url); Statement s = c.createStatement()) {
      long project = id(s, "INSERT INTO projects (name) VALUES ('dup') RETURNING id");
      long run = id(s, "INSERT INTO runs (project_id, source, status, start_time) VALUES (" + project
        + ", 'stream', 'running', now()) RETURNING id");
      long test = id(s, "INSERT INTO tests (project_id, file, title_path, title, identity_hash) VALUES (" + project
        + ", 'a.spec.ts', ARRAY['suite', 'works'], 'works', '\\x01') RETURNING id");
      String attempt = "INSERT INTO attempts (run_id, test_id, retry, status, duration_ms, seq) VALUES (" + run
        + ", " + test + ", 0, 'passed', 12, 1)";
      s.execute(attempt);
      assertThatThrownBy(() -> s.execute(attempt)).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
      s.execute(attempt.replace(", 0, 'passed'", ", 1, 'passed'").replace(", 1)", ", 2)"));
      assertThat(id(s, "SELECT count(*) FROM attempts WHERE run_id = " + run)).isEqualTo(2);

      // Deleting the project removes its runs, tests and attempts.
      s.execute("DELETE FROM projects WHERE id = " + project);
      assertThat(id(s, "SELECT count(*) FROM attempts WHERE run_id = " + run)).isZero();
    }
  }

  @Test
  @DisplayName("check constraints refuse unknown statuses, negative durations and duplicate run keys")
  void checks() throws SQLException {
    try (Connection c = TestDatabase.jdbc(url); Statement s = c.createStatement()) {
      long project = id(s, "INSERT INTO projects (name) VALUES ('checks') RETURNING id");
      assertThatThrownBy(() -> s.execute("INSERT INTO runs (project_id, source, status, start_time) VALUES ("
        + project + ", 'stream', 'exploded', now())")).isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> s.execute("INSERT INTO runs (project_id, source, status, start_time, duration_ms)"
        + " VALUES (" + project + ", 'stream', 'running', now(), -1)")).isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> s.execute("INSERT INTO runs (project_id, source, status, start_time) VALUES ("
        + project + ", 'stream', 'passed', now())")).as("finished without end time").isInstanceOf(SQLException.class);
      String keyed = "INSERT INTO runs (project_id, source, status, start_time, run_key) VALUES (" + project
        + ", 'stream', 'running', now(), 'ci-42')";
      s.execute(keyed);
      assertThatThrownBy(() -> s.execute(keyed)).isInstanceOf(SQLException.class);
      s.execute("INSERT INTO users (username, password_hash, role) VALUES ('Alice', 'x', 'viewer')");
      assertThatThrownBy(() -> s.execute("INSERT INTO users (username, password_hash, role) VALUES ('alice', 'x',"
        + " 'viewer')")).as("usernames are unique regardless of case").isInstanceOf(SQLException.class);
    }
  }

  @Test
  @DisplayName("the read paths have their indexes")
  void indexes() throws SQLException {
    try (Connection c = TestDatabase.jdbc(url); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")) {
      java.util.List<String> names = new java.util.ArrayList<>();
      while (rs.next()) {
        names.add(rs.getString(1));
      }
      assertThat(names).contains("runs_project_idx", "runs_running_idx", "results_test_idx",
        "results_project_flaky_idx", "attempts_test_idx", "attempts_run_id_test_id_retry_key", "run_events_pkey");
    }
  }

  private static long id(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
