package dev.runboard.store;

import dev.runboard.TestDatabase;
import dev.runboard.config.DatabaseUrl;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The Flyway schema applies from empty and its constraints hold")
class SchemaTest {

  private static DatabaseUrl url;

  @BeforeAll
  static void migrate() throws IOException {
    url = TestDatabase.freshDatabase();
    assertThat(Migrations.migrate(url)).isEqualTo(latestVersion());
  }

  /** The highest {@code V<n>__*.sql} in the sources. */
  private static String latestVersion() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
      return Integer.toString(files.map(f -> f.getFileName().toString())
        .mapToInt(name -> Integer.parseInt(name.substring(1, name.indexOf("__")))).max().orElseThrow());
    }
  }

  @Test
  @DisplayName("migrating again is a no-op")
  void idempotent() throws IOException {
    assertThat(Migrations.migrate(url)).isEqualTo(latestVersion());
  }

  @Test
  @DisplayName("V2 recomputes stored runs by outcome: expected failures pass, flaky is an outcome")
  void outcomesMigration() throws SQLException {
    DatabaseUrl old = TestDatabase.freshDatabase();
    Flyway.configure().dataSource(old.jdbcUrl(), old.user(), old.password()).locations("classpath:db/migration")
      .target("1").load().migrate();
    try (Connection c = TestDatabase.jdbc(old); Statement s = c.createStatement()) {
      long project = id(s, "INSERT INTO projects (name) VALUES ('v1') RETURNING id");
      // As v1 stored it: counters by final status, so the expected failure counted as failed.
      long run = id(s, "INSERT INTO runs (project_id, source, status, start_time, end_time, total, passed, failed, "
        + "flaky, attempts, expected_tests, last_seq) VALUES (" + project + ", 'upload', 'failed', now(), now(), 4, "
        + "2, 2, 1, 5, 5, 1) RETURNING id");
      s.execute("INSERT INTO run_events (run_id, seq, type, data) VALUES (" + run + ", 1, 'run-finished', "
        + "'{\"seq\": 1, \"run\": {\"id\": " + run + ", \"counters\": {\"failed\": 2}}}')");
      String[][] attempts = {
        {"expected failure", "0", "failed", "failed"},
        {"fixed", "0", "passed", "failed"},
        {"flaky", "0", "failed", "passed"},
        {"flaky", "1", "passed", "passed"},
        {"plain", "0", "passed", "passed"},
      };
      for (String[] a : attempts) {
        long test = id(s, "INSERT INTO tests (project_id, file, title_path, title, identity_hash) VALUES (" + project
          + ", 'a.spec.ts', ARRAY['" + a[0] + "'], '" + a[0] + "', decode(md5('" + a[0] + "'), 'hex')) "
          + "ON CONFLICT (project_id, identity_hash, variant) DO UPDATE SET title = EXCLUDED.title RETURNING id");
        s.execute("INSERT INTO attempts (run_id, test_id, retry, status, expected_status, duration_ms) VALUES ("
          + run + ", " + test + ", " + a[1] + ", '" + a[2] + "', '" + a[3] + "', 1)");
        s.execute("INSERT INTO results (run_id, test_id, project_id, final_retry, status, expected_status, "
          + "duration_ms, attempt_count) VALUES (" + run + ", " + test + ", " + project + ", " + a[1] + ", '" + a[2]
          + "', '" + a[3] + "', 1, " + (Integer.parseInt(a[1]) + 1) + ") ON CONFLICT (run_id, test_id) DO UPDATE SET "
          + "final_retry = EXCLUDED.final_retry, status = EXCLUDED.status, attempt_count = 2");
      }
    }
    Migrations.migrate(old);
    try (Connection c = TestDatabase.jdbc(old); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT total, passed, failed, timed_out, skipped, interrupted, flaky, "
        + "attempts, expected_tests FROM runs")) {
        rs.next();
        assertThat(java.util.Arrays.asList(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getInt(6),
          rs.getInt(7), rs.getInt(8), rs.getObject(9))).containsExactly(4, 3, 1, 0, 0, 0, 1, 5, null);
      }
      assertThat(strings(s, "SELECT t.title || ':' || r.outcome || ':' || r.flaky FROM results r JOIN tests t ON "
        + "t.id = r.test_id ORDER BY t.title")).containsExactly("expected failure:expected:false",
        "fixed:unexpected:false", "flaky:flaky:true", "plain:expected:false");
      assertThat(strings(s, "SELECT t.title || '#' || a.retry || ':' || a.outcome FROM attempts a JOIN tests t ON "
        + "t.id = a.test_id WHERE t.title = 'flaky' ORDER BY a.retry")).containsExactly("flaky#0:unexpected",
        "flaky#1:flaky");
      assertThat(strings(s, "SELECT data #>> '{run,counters,passed}' FROM run_events")).containsExactly("3");
    }
  }

  @Test
  @DisplayName("V13 and V17 migrate a populated database: results and attempts lose their foreign keys, deleting runs "
    + "or tests still deletes them")
  void leanResultsMigration() throws SQLException {
    DatabaseUrl old = TestDatabase.freshDatabase();
    Flyway.configure().dataSource(old.jdbcUrl(), old.user(), old.password()).locations("classpath:db/migration")
      .target("10").load().migrate();
    long[] runs = new long[2];
    try (Connection c = TestDatabase.jdbc(old); Statement s = c.createStatement()) {
      long project = id(s, "INSERT INTO projects (name) VALUES ('v10') RETURNING id");
      long test = id(s, "INSERT INTO tests (project_id, file, title_path, title, identity_hash) VALUES (" + project
        + ", 'a.spec.ts', ARRAY['t'], 't', decode(md5('t'), 'hex')) RETURNING id");
      for (int i = 0; i < 2; i++) {
        runs[i] = id(s, "INSERT INTO runs (project_id, source, status, start_time, end_time) VALUES (" + project
          + ", 'submit', 'passed', now(), now()) RETURNING id");
        s.execute("INSERT INTO attempts (run_id, test_id, retry, status, duration_ms, outcome) VALUES (" + runs[i]
          + ", " + test + ", 0, 'passed', 1, 'expected')");
        s.execute("INSERT INTO results (run_id, test_id, project_id, final_retry, status, duration_ms, "
          + "attempt_count, outcome) VALUES (" + runs[i] + ", " + test + ", " + project + ", 0, 'passed', 1, 1, "
          + "'expected')");
      }
    }
    Migrations.migrate(old);
    try (Connection c = TestDatabase.jdbc(old); Statement s = c.createStatement()) {
      assertThat(strings(s, "SELECT conname FROM pg_constraint WHERE conrelid = 'results'::regclass AND contype = 'f'"))
        .isEmpty();
      assertThat(strings(s, "SELECT conname FROM pg_constraint WHERE conrelid = 'attempts'::regclass "
        + "AND contype = 'f'")).isEmpty();
      assertThat(strings(s, "SELECT count(*) FROM results")).containsExactly("2");
      assertThat(strings(s, "SELECT count(*) FROM attempts")).containsExactly("2");
      // The cascade the foreign keys had, now the triggers': one statement deletes the run, its attempts and results.
      s.execute("DELETE FROM runs WHERE id = " + runs[0]);
      assertThat(strings(s, "SELECT run_id FROM results")).containsExactly(Long.toString(runs[1]));
      assertThat(strings(s, "SELECT run_id FROM attempts")).containsExactly(Long.toString(runs[1]));
      s.execute("DELETE FROM tests");
      assertThat(strings(s, "SELECT count(*) FROM results")).containsExactly("0");
      assertThat(strings(s, "SELECT count(*) FROM attempts")).containsExactly("0");
    }
  }

  @Test
  @DisplayName("V15 migrates a populated database: the failure rollup is built from the stored failures")
  void failureRollupMigration() throws SQLException {
    DatabaseUrl old = TestDatabase.freshDatabase();
    Flyway.configure().dataSource(old.jdbcUrl(), old.user(), old.password()).locations("classpath:db/migration")
      .target("14").load().migrate();
    try (Connection c = TestDatabase.jdbc(old); Statement s = c.createStatement()) {
      long project = id(s, "INSERT INTO projects (name) VALUES ('v14') RETURNING id");
      long[] tests = new long[2];
      for (int t = 0; t < tests.length; t++) {
        tests[t] = id(s, "INSERT INTO tests (project_id, file, title_path, title, identity_hash) VALUES (" + project
          + ", 'a.spec.ts', ARRAY['t" + t + "'], 't" + t + "', decode(md5('t" + t + "'), 'hex')) RETURNING id");
      }
      // Three runs on two days; test 0 fails in each with fingerprint f1 (twice in the last run), test 1 once.
      String[] starts = {"2026-11-20 10:00+00", "2026-11-21 09:00+00", "2026-11-21 18:00+00"};
      for (int r = 0; r < starts.length; r++) {
        long run = id(s, "INSERT INTO runs (project_id, source, status, start_time, end_time) VALUES (" + project
          + ", 'submit', 'failed', '" + starts[r] + "', '" + starts[r] + "') RETURNING id");
        String failed = "INSERT INTO attempts (run_id, test_id, retry, status, duration_ms, outcome, fingerprint, "
          + "error_signature) VALUES (" + run + ", %d, %d, 'failed', 1, 'unexpected', '%s', 'Error: %s')";
        s.execute(String.format(failed, tests[0], 0, "f1", "one"));
        if (r == 2) {
          s.execute(String.format(failed, tests[0], 1, "f1", "one"));
          s.execute(String.format(failed, tests[1], 0, "f2", "two"));
        }
      }
    }
    Migrations.migrate(old);
    try (Connection c = TestDatabase.jdbc(old); Statement s = c.createStatement()) {
      assertThat(strings(s, "SELECT day || ' ' || fingerprint || ' runs ' || runs || ' attempts ' || attempts "
        + "|| ' ' || signature FROM failure_days ORDER BY day, fingerprint")).containsExactly(
        "2026-11-20 f1 runs 1 attempts 1 Error: one",
        "2026-11-21 f1 runs 2 attempts 3 Error: one",
        "2026-11-21 f2 runs 1 attempts 1 Error: two");
      assertThat(strings(s, "SELECT count(*) FROM failure_day_tests")).as("test 0 on two days, test 1 on one")
        .containsExactly("3");
      assertThat(strings(s, "SELECT count(*) FROM failure_pending")).containsExactly("0");
    }
  }

  @Test
  @DisplayName("V16: a failure context's streak walk reads outcomes from results_test_idx alone (index-only scan)")
  void streakWalkIsIndexOnly() throws SQLException, IOException {
    String walk = Files.readString(Path.of("src/main/resources/sql/api/failing-streaks.sql"));
    try (Connection c = TestDatabase.jdbc(url); Statement s = c.createStatement()) {
      long project = id(s, "INSERT INTO projects (name) VALUES ('streaks') RETURNING id");
      long test = id(s, "INSERT INTO tests (project_id, file, title_path, title, identity_hash) VALUES (" + project
        + ", 'a.spec.ts', ARRAY['fails'], 'fails', '\\x02') RETURNING id");
      for (int i = 0; i < 3; i++) {
        long run = id(s, "INSERT INTO runs (project_id, source, status, start_time, end_time) VALUES (" + project
          + ", 'stream', 'failed', now(), now()) RETURNING id");
        s.execute("INSERT INTO results (run_id, test_id, project_id, final_retry, status, duration_ms, "
          + "attempt_count, outcome) VALUES (" + run + ", " + test + ", " + project + ", 0, 'failed', 1, 1, "
          + "'unexpected')");
      }
      s.execute("VACUUM (ANALYZE) results");
      // The table is tiny: keep the planner off the scans it would prefer to an index at this size.
      s.execute("SET enable_seqscan = off");
      s.execute("SET enable_bitmapscan = off");
      s.execute("PREPARE walk(bigint[], bigint, bigint, text, int) AS " + walk);
      List<String> plan = strings(s, "EXPLAIN EXECUTE walk(ARRAY[" + test + "]::bigint[], 1000000, " + project
        + ", NULL, 100)");
      assertThat(String.join("\n", plan)).contains("Index Only Scan using results_test_idx on results");
    }
  }

  private static List<String> strings(Statement s, String sql) throws SQLException {
    List<String> out = new java.util.ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
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
      String attempt = "INSERT INTO attempts (run_id, test_id, retry, status, duration_ms, seq, outcome) VALUES ("
        + run + ", " + test + ", 0, 'passed', 12, 1, 'expected')";
      s.execute(attempt);
      assertThatThrownBy(() -> s.execute(attempt)).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
      s.execute(attempt.replace(", 0, 'passed'", ", 1, 'passed'").replace(", 1, 'expected')", ", 2, 'expected')"));
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
