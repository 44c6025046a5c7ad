package dev.runboard;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runboard as a real process (the test classpath's {@code dev.runboard.Main}) in a working directory, on
 * 127.0.0.1 and a free port, with its embedded database in {@code <workDir>/data/postgres}. Output is collected;
 * {@link #close} kills the process if it still runs.
 */
final class RunboardProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)/");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Thread reader;

  private RunboardProcess(Process process) {
    this.process = process;
    this.reader = new Thread(this::readOutput, "runboard-process-output");
    reader.start();
  }

  /** Starts Runboard in {@code workDir} with {@code env} added, and waits until it listens. */
  static RunboardProcess start(Path workDir, Map<String, String> env) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
      "-Dhazelcast.phone.home.enabled=false", "-Dlogback.configurationFile=logback.xml", "dev.runboard.Main");
    builder.directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("RUNBOARD_"));
    builder.environment().putAll(Map.of("RUNBOARD_HTTP_HOST", "127.0.0.1", "RUNBOARD_HTTP_PORT", "0",
      "RUNBOARD_FILES_PORT", "0", "RUNBOARD_HTTP_INSTANCES", "1", "RUNBOARD_HTTP_SHUTDOWN_TIMEOUT", "2s"));
    builder.environment().putAll(env);
    RunboardProcess runboard = new RunboardProcess(builder.start());
    try {
      runboard.port.get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      runboard.close();
      throw new AssertionError("Runboard did not start:\n" + runboard.output(), e);
    }
    return runboard;
  }

  private void readOutput() {
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
      StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        synchronized (lines) {
          lines.add(line);
        }
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          port.complete(Integer.parseInt(m.group(1)));
        }
      }
    } catch (IOException e) {
      port.completeExceptionally(e);
    }
    port.completeExceptionally(new IllegalStateException("exited before listening"));
  }

  Process process() {
    return process;
  }

  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  HttpResponse<String> postJson(String path, String json) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port.join() + path);
  }

  /** SIGKILL: no shutdown hook, no cleanup. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then waits for the exit; returns the exit code. */
  int terminate() throws Exception {
    process.toHandle().destroy(); // keeps our end of its output open (Process.destroy closes it)
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("Runboard did not stop within 30 s:\n" + output());
    }
    reader.join(5_000);
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  /**
   * The PostgreSQL server of {@code dataDir} (the directory that holds {@code postmaster.pid}): the process its
   * pid file names, if it is alive, runs {@code postgres} and works in that directory. Never another process.
   */
  static Optional<ProcessHandle> postmaster(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
      .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
      .filter(p -> {
        try {
          return Files.isSameFile(Path.of("/proc", Long.toString(pid), "cwd"), dataDir);
        } catch (IOException e) {
          return false;
        }
      });
  }

  /** Kills what a test left running on {@code dataDir}: its postmaster and that one's processes. */
  static void killPostmaster(Path dataDir) throws IOException {
    Optional<ProcessHandle> postmaster = postmaster(dataDir);
    if (postmaster.isPresent()) {
      List<ProcessHandle> children = postmaster.get().children().toList();
      postmaster.get().destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
    }
  }
}
