package dev.runboard;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The runboard process: fails fast on bad config, stops gracefully on SIGTERM")
class MainProcessTest {

  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)/");

  private static ProcessBuilder runboard(Path workDir, Map<String, String> env) {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
      "-Dhazelcast.phone.home.enabled=false", "-Dlogback.configurationFile=logback.xml", "dev.runboard.Main");
    builder.directory(workDir.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("RUNBOARD_"));
    builder.environment().putAll(env);
    return builder;
  }

  @Test
  @DisplayName("a bad value stops the start with exit code 2 and one line naming the key")
  void badConfig(@TempDir Path dir) throws Exception {
    Process process = runboard(dir, Map.of("RUNBOARD_HTTP_SHUTDOWN_TIMEOUT", "soon")).start();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(stderr.lines()).hasSize(1);
    assertThat(stderr).contains("http.shutdownTimeout").contains("RUNBOARD_HTTP_SHUTDOWN_TIMEOUT");
    assertThat(dir.resolve("data")).doesNotExist();
  }

  @Test
  @DisplayName("SIGTERM stops HTTP, then the embedded database, and exits 0")
  void gracefulStop(@TempDir Path dir) throws Exception {
    Process process = runboard(dir, Map.of("RUNBOARD_HTTP_HOST", "127.0.0.1", "RUNBOARD_HTTP_PORT", "0",
      "RUNBOARD_FILES_PORT", "0"))
      .redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
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
      port.completeExceptionally(new IllegalStateException("exited before listening: " + lines));
    });
    reader.start();
    try {
      int actual = port.get(60, TimeUnit.SECONDS);
      HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + actual + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(dir.resolve("data/postgres/postmaster.pid")).exists();

      process.toHandle().destroy(); // SIGTERM, keeping our end of its output open (Process.destroy closes it)
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(5_000);
      assertThat(process.exitValue()).isZero();
      synchronized (lines) {
        assertThat(String.join("\n", lines)).contains("Runboard stopping").contains("Runboard stopped");
      }
      assertThat(Files.exists(dir.resolve("data/postgres/postmaster.pid"))).as("database stopped").isFalse();
    } finally {
      process.destroyForcibly();
    }
  }
}
