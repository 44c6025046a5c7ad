package dev.runboard.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * {@code bench/run.sh [memory|latency|ingest|read|growth|purge|cluster|all] [--smoke]}: starts Runboard
 * (durable embedded PostgreSQL) and the baselines on 127.0.0.1, drives them, stops everything and prints
 * Markdown tables.
 * Arguments: the repository root, the Runboard jar, the class path of the bench, then the scenario and flags.
 */
public final class Bench {

  static final List<String> SCENARIOS = List.of("memory", "latency", "viewers", "ingest", "read", "growth", "purge",
    "cluster");

  static boolean smoke;
  static boolean jfr;
  static Path repo;
  static Path jar;
  static String classPath;
  static Path work;   // bench/target
  static Path logs;   // bench/target/logs-<stamp>
  static Path tmp;    // data dirs, deleted at the end
  static final List<Node> nodes = new CopyOnWriteArrayList<>();
  static volatile Bench running;

  final Vertx vertx;
  final Report report = new Report();
  final Sizes sizes;
  Node nodeA;
  Db db;
  String reporterKey;
  String viewerKey;
  final Path dataA;
  final int portA = Node.freePort();
  final int pgPortA = Node.freePort();

  /** Every size, full or smoke. */
  record Sizes(int reps, int reporters, int perReporter, int batch, int[] ingestScales,
               int liveClients, int liveRounds, int liveWarmup, int livePerPost,
               int idleConnections,
               int readRuns, int readTests, int[] readScales, int readRequests) {

    static Sizes full() {
      return new Sizes(3, 50, 2_000, 50, new int[] {1, 4, 16},
        count("BENCH_LIVE_CLIENTS", 1_000), 30, 10, 10,
        count("BENCH_IDLE_CONNECTIONS", 10_000),
        200, 5_000, readScales(new int[] {1, 4}), 40);
    }

    static Sizes smoke() {
      return new Sizes(3, 4, 100, 50, new int[] {1, 2, 4},
        20, 5, 2, 10,
        200,
        4, 200, new int[] {1, 2, 4}, 5);
    }

    /** BENCH_LIVE_CLIENTS=15000 (or BENCH_IDLE_CONNECTIONS) overrides a full run's count. */
    private static int count(String name, int dflt) {
      String env = System.getenv(name);
      return env == null || env.isBlank() ? dflt : Integer.parseInt(env.trim());
    }

    /** BENCH_READ_SCALES=1,4,16 overrides the read growth sizes. */
    private static int[] readScales(int[] dflt) {
      String env = System.getenv("BENCH_READ_SCALES");
      return env == null || env.isBlank() ? dflt
        : Stream.of(env.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
  }

  private Bench(Vertx vertx, Sizes sizes) {
    this.vertx = vertx;
    this.sizes = sizes;
    this.dataA = tmp.resolve("node-a");
  }

  static List<String> jfrFlags(String name, Path logDir) {
    return jfr ? List.of("-XX:StartFlightRecording=filename=" + logDir.resolve(name + ".jfr") + ",settings=profile")
      : List.of();
  }

  public static void main(String[] args) throws Exception {
    repo = Path.of(args[0]).toAbsolutePath();
    jar = Path.of(args[1]).toAbsolutePath();
    classPath = args[2];
    Set<String> chosen = new LinkedHashSet<>();
    for (int i = 3; i < args.length; i++) {
      switch (args[i]) {
        case "--smoke" -> smoke = true;
        case "--jfr" -> jfr = true;
        case "all" -> chosen.addAll(SCENARIOS);
        default -> {
          if (!SCENARIOS.contains(args[i])) {
            System.err.println("usage: bench/run.sh [" + String.join("|", SCENARIOS) + "|all] [--smoke] [--jfr]");
            System.exit(2);
          }
          chosen.add(args[i]);
        }
      }
    }
    if (chosen.isEmpty()) {
      chosen.addAll(SCENARIOS);
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    work = repo.resolve("bench/target");
    logs = work.resolve("logs-" + stamp);
    Files.createDirectories(logs);
    tmp = Files.createTempDirectory("runboard-bench-");
    Runtime.getRuntime().addShutdownHook(new Thread(Bench::cleanUp, "bench-cleanup"));
    long limitMs = smoke ? 10 * 60_000L : 60 * 60_000L;
    Thread watchdog = new Thread(() -> {
      Node.sleep(limitMs);
      System.err.println("bench: time limit of " + limitMs / 60_000 + " min reached; stopping everything");
      Thread.getAllStackTraces().forEach((t, stack) -> {
        if (t.getName().equals("main")) {
          System.err.println("bench: main thread was at:");
          for (StackTraceElement e : stack) {
            System.err.println("    at " + e);
          }
        }
      });
      Bench current = running;
      if (current != null) {
        System.out.println(current.report);
      }
      Runtime.getRuntime().halt(cleanUpAndCode());
    }, "bench-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setBlockedThreadCheckInterval(10_000));
    Bench bench = new Bench(vertx, smoke ? Sizes.smoke() : Sizes.full());
    running = bench;
    long started = System.nanoTime();
    double[] cpu0 = Machine.machineCpu();
    int code = 0;
    try {
      bench.run(chosen);
    } catch (Exception e) {
      code = 1;
      System.err.println("bench: failed: " + e);
      e.printStackTrace();
    } finally {
      double[] cpu1 = Machine.machineCpu();
      double wall = (System.nanoTime() - started) / 1e9;
      bench.report.note(String.format(java.util.Locale.ROOT,
        "Whole run: %.0f s wall; machine CPU busy %.0f %% of %d cores on average; load average at the end %s.",
        wall, 100 * (cpu1[0] - cpu0[0]) / Math.max(1e-9, cpu1[1] - cpu0[1]),
        Runtime.getRuntime().availableProcessors(), Machine.loadAverage()));
      bench.stopAll();
      vertx.close().await();
    }
    String text = bench.header(chosen) + bench.report;
    System.out.println(text);
    Path out = work.resolve("results-" + stamp + (smoke ? "-smoke" : "") + ".md");
    Files.writeString(out, text);
    System.out.println("(written to " + repo.relativize(out) + "; server logs in " + repo.relativize(logs) + ")");
    deleteTree(tmp);
    System.exit(code);
  }

  private String header(Set<String> chosen) {
    String pg = "?";
    try {
      if (db != null) {
        pg = pgVersion;
      }
    } catch (RuntimeException e) {
      // ignore
    }
    return "## Runboard benchmark " + (smoke ? "(--smoke: tiny sizes, figures meaningless)" : "") + "\n\n"
      + "Scenarios: " + String.join(", ", chosen) + ". Machine: " + Runtime.getRuntime().availableProcessors()
      + " cores, " + memTotal() + " memory, Java " + System.getProperty("java.version") + " ("
      + System.getProperty("java.vm.name") + "), " + pg + ". Load average at the start: " + loadAtStart
      + ". Each figure is the median of " + sizes.reps() + " repetitions.\n";
  }

  private static final String loadAtStart = Machine.loadAverage();
  private String pgVersion = "PostgreSQL ?";

  private static String memTotal() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return (Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024 / 1024) + " GiB";
        }
      }
    } catch (IOException e) {
      // ignore
    }
    return "?";
  }

  private void run(Set<String> chosen) throws Exception {
    startNodeA();
    if (chosen.contains("memory")) {
      scenario("3 connection memory", () -> new MemoryBench(this).run());
      scenario("3b a crowd opening a large run", () -> new InitCrowd(this).run());
    }
    if (chosen.contains("latency")) {
      scenario("2 live latency", () -> new LiveBench(this).run());
    }
    if (chosen.contains("viewers")) {
      scenario("2b many viewers on one node", () -> new LiveBench(this).viewers());
    }
    IngestBench ingest = new IngestBench(this);
    if (chosen.contains("ingest") || chosen.contains("growth")) {
      int[] scales = chosen.contains("growth") ? sizes.ingestScales() : new int[] {1};
      scenario("1 ingest throughput" + (scales.length > 1 ? " and 5 growth" : ""), () -> ingest.run(scales));
    }
    if (chosen.contains("read") || chosen.contains("growth")) {
      // BENCH_READ_SCALES picks the sizes of `read` too (×1 alone otherwise).
      int[] scales = chosen.contains("growth") || System.getenv("BENCH_READ_SCALES") != null ? sizes.readScales()
        : new int[] {1};
      scenario("4 read API at scale" + (scales.length > 1 ? " and 5 growth" : ""),
        () -> new ReadBench(this).run(scales));
    }
    if (chosen.contains("purge")) {
      scenario("6 ingest during a retention purge, and partitions", () -> new PurgeBench(this).run());
    }
    if (chosen.contains("cluster")) {
      scenario("7 three nodes on one PostgreSQL", () -> new ClusterBench(this).run());
    }
  }

  interface Body {
    void run() throws Exception;
  }

  /**
   * Runs one scenario and notes how busy the machine was meanwhile: this benchmark's processes (load generator,
   * servers, their PostgreSQL) and the rest.
   */
  private void scenario(String name, Body body) throws Exception {
    System.err.println("bench: scenario " + name + " (load average " + Machine.loadAverage() + ")");
    double[] m0 = Machine.machineCpu();
    double ours0 = ourCpu();
    double pg0 = pgCpu();
    long t0 = System.nanoTime();
    body.run();
    double[] m1 = Machine.machineCpu();
    double ours1 = ourCpu();
    double pg1 = pgCpu();
    double wall = (System.nanoTime() - t0) / 1e9;
    double busy = m1[0] - m0[0];
    double total = Math.max(1e-9, m1[1] - m0[1]);
    report.note(String.format(java.util.Locale.ROOT,
      "_Scenario %s: %.0f s; machine CPU busy %.0f %%: this benchmark %.0f %% of the machine (its PostgreSQL "
        + "%.0f %%), other processes ≈ %.0f %%; load average after: %s._", name, wall, 100 * busy / total,
      100 * (ours1 - ours0) / total, 100 * (pg1 - pg0) / total, Math.max(0, 100 * (busy - (ours1 - ours0)) / total),
      Machine.loadAverage()));
  }

  /** CPU seconds of the benchmark's PostgreSQL servers, live and stopped. */
  static double pgCpu() {
    Set<Long> seen = new java.util.HashSet<>();
    double total = 0;
    for (Node node : nodes) {
      total += node.pgCpu(seen);
    }
    return total + stoppedPgCpu.sum();
  }

  /**
   * CPU seconds of everything this benchmark runs: this JVM and its descendants (server JVMs, with the children
   * they reaped), each embedded PostgreSQL (its postmaster, found by its data directory, is not a descendant:
   * {@code pg_ctl} daemonizes it and it is reparented to init) with its live and reaped backends, and the
   * PostgreSQL time of servers already stopped ({@link #stop}). Each process counted once.
   */
  static double ourCpu() {
    Set<Long> seen = new java.util.HashSet<>();
    double total = 0;
    for (ProcessHandle p : Stream.concat(Stream.of(ProcessHandle.current()),
      ProcessHandle.current().descendants()).toList()) {
      if (seen.add(p.pid())) {
        total += Machine.processCpu(p.pid(), true);
      }
    }
    for (Node node : nodes) {
      total += node.pgCpu(seen);
    }
    return total + stoppedPgCpu.sum();
  }

  /** PostgreSQL CPU of servers stopped during the run (their postmaster is reaped by init, not by us). */
  private static final java.util.concurrent.atomic.DoubleAdder stoppedPgCpu =
    new java.util.concurrent.atomic.DoubleAdder();

  void startNodeA() throws Exception {
    nodeA = track(Node.runboard("runboard-a", jar, dataA, portA,
      Map.of("RUNBOARD_DB_EMBEDDED_PORT", Integer.toString(pgPortA)), logs));
    if (nodeA.postmasterPid() < 0) {
      System.err.println("bench: warning: node A's postmaster not found in " + dataA + "; its CPU is not counted");
    }
    if (db == null) {
      db = new Db(pgPortA, Files.readString(dataA.resolve("postgres/superuser.password")).strip());
      // pg_stat_statements, for the time per statement behind each figure (needs a restart to load).
      db.exec("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
      db.exec("ALTER SYSTEM SET pg_stat_statements.track = 'all'");
      stop(nodeA);
      nodeA = track(Node.runboard("runboard-a", jar, dataA, portA,
        Map.of("RUNBOARD_DB_EMBEDDED_PORT", Integer.toString(pgPortA)), logs));
      db.exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      reporterKey = db.apiKey("reporter");
      viewerKey = db.apiKey("viewer");
      pgVersion = db.text("SELECT 'PostgreSQL ' || current_setting('server_version') || ' (fsync='"
        + " || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit') || ')'");
    }
  }

  void restartNodeA() throws Exception {
    stop(nodeA);
    startNodeA();
  }

  /**
   * A clustered Runboard node on node A's PostgreSQL, its files in the directory all clustered nodes share (a node
   * refuses to start on a storage directory the others cannot see).
   */
  Node clusterNode(String name, int hzPort, String members, String cluster) throws Exception {
    return track(Node.runboard(name, jar, tmp.resolve(name), Node.freePort(), Map.of(
      "RUNBOARD_DB_URL", "postgresql://postgres@127.0.0.1:" + pgPortA + "/runboard",
      "RUNBOARD_DB_PASSWORD", db.password,
      "RUNBOARD_CLUSTER_ENABLED", "true", "RUNBOARD_CLUSTER_NAME", cluster,
      "RUNBOARD_CLUSTER_HOST", "127.0.0.1", "RUNBOARD_CLUSTER_PORT", Integer.toString(hzPort),
      "RUNBOARD_CLUSTER_MEMBERS", members, "RUNBOARD_STORAGE_DIR", tmp.resolve("cluster-files").toString()), logs));
  }

  Node bareNode(String name) throws Exception {
    return track(Node.bare(name, classPath, Node.freePort(), logs));
  }

  static Node track(Node node) {
    nodes.add(node);
    return node;
  }

  static void stop(Node node) {
    if (node != null) {
      if (nodes.contains(node)) {
        stoppedPgCpu.add(node.pgCpu(new java.util.HashSet<>())); // the last few ms of shutdown are not counted
      }
      node.close();
      nodes.remove(node);
    }
  }

  private void stopAll() {
    new ArrayList<>(nodes).stream().sorted(Comparator.comparing(n -> n == nodeA)).forEach(Bench::stop);
  }

  private static void cleanUp() {
    for (Node node : nodes) {
      node.close();
    }
  }

  private static int cleanUpAndCode() {
    cleanUp();
    deleteTree(tmp);
    return 3;
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("bench: could not delete " + dir + ": " + e);
    }
  }
}
