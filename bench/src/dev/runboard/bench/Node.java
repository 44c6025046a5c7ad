package dev.runboard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server process under test: Runboard ({@code java -jar runboard.jar} with RUNBOARD_* env) or the bare Vert.x SSE
 * server. Started on 127.0.0.1 with the same JVM flags; stopped with SIGTERM (then SIGKILL after 30 s).
 */
final class Node implements AutoCloseable {

  /** The same JVM flags for every server process, so that heap and RSS compare. */
  static final List<String> JVM_FLAGS = List.of("-Xmx2g", "-XX:+UseG1GC",
    "-Dhazelcast.phone.home.enabled=false", "-Dhazelcast.wait.seconds.before.join=0");
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  final String name;
  final int port;
  final Process process;
  final Path dataDir; // Runboard with embedded PostgreSQL: its data dir; otherwise null
  final Path log;

  private Node(String name, int port, Process process, Path dataDir, Path log) {
    this.name = name;
    this.port = port;
    this.process = process;
    this.dataDir = dataDir;
    this.log = log;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts Runboard; {@code env} holds RUNBOARD_* settings beyond host, port, data dir and SSE cap. */
  static Node runboard(String name, Path jar, Path dataDir, int port, Map<String, String> env, Path logDir)
    throws IOException {
    List<String> cmd = new ArrayList<>(List.of("java"));
    cmd.addAll(JVM_FLAGS);
    cmd.addAll(Bench.jfrFlags(name, logDir));
    cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
    Files.createDirectories(dataDir);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dataDir.toFile());
    pb.environment().put("RUNBOARD_HTTP_HOST", "127.0.0.1");
    pb.environment().put("RUNBOARD_HTTP_PORT", Integer.toString(port));
    pb.environment().put("RUNBOARD_DATA_DIR", dataDir.toAbsolutePath().toString());
    pb.environment().put("RUNBOARD_SSE_MAX_CONNECTIONS", "50000");
    // The bench's viewers share one account: the per-user stream cap (sse.maxStreamsPerUser, 20) would refuse them.
    pb.environment().put("RUNBOARD_SSE_MAX_STREAMS_PER_USER", "50000");
    pb.environment().put("RUNBOARD_FILES_PORT", "0"); // the files origin: a free port, so that nodes can coexist
    pb.environment().putAll(env);
    Path log = logDir.resolve(name + ".log");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Node node = new Node(name, port, pb.start(), env.containsKey("RUNBOARD_DB_URL") ? null : dataDir, log);
    node.awaitReady("/health/ready", Duration.ofSeconds(120));
    return node;
  }

  /** Starts the bare Vert.x SSE server (class path: the bench classes and the Runboard jar). */
  static Node bare(String name, String classPath, int port, Path logDir) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("java"));
    cmd.addAll(JVM_FLAGS);
    cmd.addAll(Bench.jfrFlags(name, logDir));
    cmd.addAll(List.of("-cp", classPath, BareSse.class.getName(), Integer.toString(port),
      Integer.toString(Runtime.getRuntime().availableProcessors())));
    Path log = logDir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Node node = new Node(name, port, pb.start(), null, log);
    node.awaitReady("/health", Duration.ofSeconds(60));
    return node;
  }

  private void awaitReady(String path, Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(200);
    }
    close();
    throw new IllegalStateException(name + " not ready within " + timeout + "; see " + log);
  }

  long pid() {
    return process.pid();
  }

  /**
   * The embedded PostgreSQL's postmaster pid (from {@code postmaster.pid} in its data directory, checked against
   * the process's working directory, which a postmaster sets to its data directory), or -1.
   */
  long postmasterPid() {
    if (dataDir == null) {
      return -1;
    }
    Path pgData = dataDir.resolve("postgres");
    try {
      long pid = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).trim());
      return Files.isSameFile(Path.of("/proc/" + pid + "/cwd"), pgData) ? pid : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** CPU seconds of the JVM alone (its PostgreSQL is counted by {@link #pgCpu}). */
  double jvmCpu() {
    return Machine.processCpu(pid(), false);
  }

  /** CPU seconds of PostgreSQL: the postmaster, its live backends and its reaped ones. */
  double pgCpu() {
    return pgCpu(new java.util.HashSet<>());
  }

  /** {@link #pgCpu()}, skipping (and adding to {@code seen}) processes already counted. */
  double pgCpu(java.util.Set<Long> seen) {
    long pm = postmasterPid();
    return pm < 0 ? 0 : Machine.treeCpu(pm, seen);
  }

  long rss() {
    return Machine.rssBytes(pid());
  }

  /** Heap in use after two full GCs (jcmd GC.run, then GC.heap_info). */
  long heapAfterGc() {
    jcmd("GC.run");
    sleep(300);
    jcmd("GC.run");
    Matcher m = HEAP_USED.matcher(jcmd("GC.heap_info"));
    if (!m.find()) {
      throw new IllegalStateException("cannot read the heap of " + name);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  private String jcmd(String command) {
    try {
      Process p = new ProcessBuilder("jcmd", Long.toString(pid()), command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(60, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM: Runboard stops gracefully, PostgreSQL with it
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
