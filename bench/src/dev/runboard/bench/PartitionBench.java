package dev.runboard.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Part of scenario 6: what retention costs when a month of results is a partition. For {@code results} and
 * {@code attempts}, two scratch copies in the bench's database (never Runboard's own tables): a plain one with the
 * same columns, indexes and checks, and one declaratively partitioned by month on an added {@code run_start}
 * column (the run's start time; unique indexes get it appended, as PostgreSQL requires). Each holds two months of
 * N rows (the old project's rows, the second month with shifted ids). Measured: {@code DELETE} of the first
 * month's N rows from the plain copy (one statement, by the leading {@code run_id} of its primary key, a lower
 * bound for the retention job's batches) and the {@code VACUUM} it leaves, against
 * {@code DETACH PARTITION … CONCURRENTLY} and {@code DROP TABLE} of the first month's partition: wall time and
 * WAL written. One repetition; the scratch tables are dropped afterwards.
 */
final class PartitionBench {

  private static final long SHIFT_RUN = 1_000_000_000L;
  private static final long SHIFT_ID = 1_000_000_000_000L;

  private final Bench b;
  private final Db db;
  private final long project;
  private final int rows;

  PartitionBench(Bench bench, Db db, long project, int rows) {
    this.b = bench;
    this.db = db;
    this.project = project;
    this.rows = rows;
  }

  void run() throws Exception {
    Report.Table t = b.report.table("table", "rows per month", "DELETE s", "DELETE WAL MiB", "VACUUM after s",
      "VACUUM WAL MiB", "DETACH CONCURRENTLY s", "DROP TABLE s", "DETACH + DROP WAL MiB", "DELETE + VACUUM / "
        + "DETACH + DROP");
    for (String table : List.of("results", "attempts")) {
      measure(table, t);
    }
    b.report.section("Scenario 6b: retention by dropping a partition against DELETE of the same rows");
    b.report.note("Scratch copies in the benchmark's database (not Runboard's tables, which are not partitioned): "
      + "a plain copy of each table (same columns, indexes, checks) and a copy partitioned by month on an added "
      + "`run_start` column, each holding two months of N rows (the old project's rows; the second month with "
      + "shifted ids). `DELETE` removes the first month from the plain copy in one statement (by `run_id`, the "
      + "leading column of its primary key): a lower bound for the retention job, which deletes in batches. "
      + "The partitioned copy loses the same month with `ALTER TABLE … DETACH PARTITION … CONCURRENTLY` and "
      + "`DROP TABLE`. Durable PostgreSQL (fsync on); a CHECKPOINT before each measured statement; one repetition.");
    t.end();
  }

  private void measure(String table, Report.Table t) throws Exception {
    String plain = "bench_plain_" + table;
    String part = "bench_part_" + table;
    List<String> columns = new ArrayList<>();
    try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement("""
      SELECT column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ? AND is_generated = 'NEVER'
      ORDER BY ordinal_position""")) {
      p.setString(1, table);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    db.exec("DROP TABLE IF EXISTS " + plain + ", " + part);
    db.exec("CREATE TABLE " + plain + " (LIKE " + table + " INCLUDING ALL EXCLUDING IDENTITY, "
      + "run_start timestamptz NOT NULL)");
    db.exec("CREATE TABLE " + part + " (LIKE " + table + " INCLUDING DEFAULTS INCLUDING GENERATED "
      + "INCLUDING CONSTRAINTS, run_start timestamptz NOT NULL) PARTITION BY RANGE (run_start)");
    db.exec("CREATE TABLE " + part + "_m1 PARTITION OF " + part
      + " FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')");
    db.exec("CREATE TABLE " + part + "_m2 PARTITION OF " + part
      + " FOR VALUES FROM ('2025-02-01') TO ('2025-03-01')");
    List<String> indexes = new ArrayList<>();
    try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(
      "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ?")) {
      p.setString(1, table);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          String def = rs.getString(2).replace(" INDEX " + rs.getString(1) + " ON public." + table + " ",
            " INDEX bp_" + rs.getString(1) + " ON " + part + " ");
          if (def.startsWith("CREATE UNIQUE")) {
            int open = def.indexOf("USING btree (");
            int close = def.indexOf(')', open);
            def = def.substring(0, close) + ", run_start" + def.substring(close);
          }
          indexes.add(def);
        }
      }
    }
    for (String def : indexes) {
      db.exec(def);
    }
    String cols = String.join(", ", columns);
    String source = "FROM " + table + " WHERE run_id IN (SELECT id FROM runs WHERE project_id = " + project
      + ") ORDER BY run_id LIMIT " + rows;
    String shifted = String.join(", ", columns.stream().map(col -> switch (col) {
      case "run_id" -> "run_id + " + SHIFT_RUN;
      case "id" -> "id + " + SHIFT_ID;
      default -> col;
    }).toList());
    for (String target : List.of(plain, part)) {
      db.exec("INSERT INTO " + target + " (" + cols + ", run_start) SELECT " + cols + ", '2025-01-15' " + source);
      db.exec("INSERT INTO " + target + " (" + cols + ", run_start) SELECT " + shifted + ", '2025-02-15' "
        + source);
    }
    db.exec("VACUUM (ANALYZE) " + plain + ", " + part);
    long n = db.scalar("SELECT count(*) FROM " + part + "_m1");
    double[] delete = timed("DELETE FROM " + plain + " WHERE run_id < " + SHIFT_RUN);
    double[] vacuum = timed("VACUUM " + plain);
    double[] detach = timed("ALTER TABLE " + part + " DETACH PARTITION " + part + "_m1 CONCURRENTLY");
    double[] drop = timed("DROP TABLE " + part + "_m1");
    long left = db.scalar("SELECT count(*) FROM " + plain);
    long leftPart = db.scalar("SELECT count(*) FROM " + part);
    if (left != n || leftPart != n) {
      throw new IllegalStateException("partition check: " + left + " and " + leftPart + " rows left, not " + n);
    }
    t.row("`" + table + "`", PurgeBench.fmtInt(n), delete[0], delete[1], vacuum[0], vacuum[1], detach[0], drop[0],
      detach[1] + drop[1], Report.ratio(delete[0] + vacuum[0], detach[0] + drop[0]));
    db.exec("DROP TABLE " + plain + ", " + part);
  }

  /** Seconds and MiB of WAL of one statement, after a CHECKPOINT. */
  private double[] timed(String sql) throws Exception {
    try (Connection c = db.connect(); Statement st = c.createStatement()) {
      st.execute("CHECKPOINT");
      long lsn0 = lsn(st);
      long t0 = System.nanoTime();
      st.execute(sql);
      double secs = (System.nanoTime() - t0) / 1e9;
      long lsn1 = lsn(st);
      return new double[] {secs, (lsn1 - lsn0) / 1024.0 / 1024.0};
    }
  }

  private static long lsn(Statement st) throws Exception {
    try (ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
