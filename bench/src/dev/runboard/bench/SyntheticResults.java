package dev.runboard.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of synthetic finished runs, written by SQL from a temporary table {@code lr} (run_id, test_id, k, cls,
 * dur; cls one of pass, fail, flaky, skip) that the caller filled in the same transaction: attempts (a retry for
 * failures and flakes), results and the runs' counters. Shared by the read and purge benchmarks' loaders, with
 * the tests they are results of ({@link #tests}).
 */
final class SyntheticResults {

  private SyntheticResults() {
  }

  /**
   * {@code count} tests of the project (100 per file), made if missing, their identities derived from {@code seed};
   * returns the project's test ids in order.
   */
  static long[] tests(Connection c, long projectId, int count, String seed) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("""
      INSERT INTO tests (project_id, file, title_path, playwright_project, variant, title, identity_hash)
      SELECT ?, 'tests/area-' || (k / 100) || '.spec.ts', ARRAY['area ' || (k / 100), 'test ' || k],
             'chromium', 0, 'test ' || k, sha256(convert_to(? || ' ' || k, 'UTF8'))
      FROM generate_series(0, ? - 1) k
      ON CONFLICT DO NOTHING""")) {
      p.setLong(1, projectId);
      p.setString(2, seed);
      p.setInt(3, count);
      p.executeUpdate();
    }
    List<Long> ids = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement("SELECT id FROM tests WHERE project_id = ? ORDER BY id")) {
      p.setLong(1, projectId);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
      }
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  static void write(Statement st, long projectId) throws SQLException {
    st.execute("""
      INSERT INTO attempts (run_id, test_id, retry, status, outcome, expected_status, duration_ms, line, col,
                            error_message, error_stack, steps)
      SELECT run_id, test_id, retry,
             CASE WHEN cls = 'skip' THEN 'skipped' WHEN cls = 'pass' OR (cls = 'flaky' AND retry = 1)
                  THEN 'passed' ELSE 'failed' END,
             CASE WHEN cls = 'skip' THEN 'skipped' WHEN cls = 'pass' THEN 'expected'
                  WHEN cls = 'flaky' AND retry = 1 THEN 'flaky' ELSE 'unexpected' END,
             'passed', dur, 10 + k % 20, 5,
             CASE WHEN cls = 'fail' OR (cls = 'flaky' AND retry = 0)
                  THEN 'Error: expect(received).toBe(expected)' END,
             CASE WHEN cls = 'fail' OR (cls = 'flaky' AND retry = 0)
                  THEN 'Error: expect(received).toBe(expected)\n    at tests/a.spec.ts:12:7' END,
             '[{"title":"page.goto(/app)","duration":20,"category":"pw:api"}]'::jsonb
      FROM lr CROSS JOIN LATERAL generate_series(0, CASE WHEN cls IN ('flaky', 'fail') THEN 1 ELSE 0 END)
        AS retry""");
    st.execute("""
      INSERT INTO results (run_id, test_id, project_id, final_retry, status, outcome, expected_status,
                           duration_ms, attempt_count)
      SELECT run_id, test_id, %d, CASE WHEN cls IN ('flaky', 'fail') THEN 1 ELSE 0 END,
             CASE cls WHEN 'skip' THEN 'skipped' WHEN 'fail' THEN 'failed' ELSE 'passed' END,
             CASE cls WHEN 'skip' THEN 'skipped' WHEN 'fail' THEN 'unexpected' WHEN 'flaky' THEN 'flaky'
                      ELSE 'expected' END, 'passed', dur,
             CASE WHEN cls IN ('flaky', 'fail') THEN 2 ELSE 1 END
      FROM lr""".formatted(projectId));
    st.execute("""
      UPDATE runs r SET total = c.total, passed = c.passed, failed = c.failed, skipped = c.skipped,
             flaky = c.flaky, attempts = c.attempts
      FROM (SELECT run_id, count(*) AS total, count(*) FILTER (WHERE cls IN ('pass', 'flaky')) AS passed,
                   count(*) FILTER (WHERE cls = 'fail') AS failed,
                   count(*) FILTER (WHERE cls = 'skip') AS skipped,
                   count(*) FILTER (WHERE cls = 'flaky') AS flaky,
                   count(*) + count(*) FILTER (WHERE cls IN ('flaky', 'fail')) AS attempts
            FROM lr GROUP BY run_id) c
      WHERE r.id = c.run_id""");
  }
}
