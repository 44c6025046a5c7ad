package dev.runboard;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The embedded database survives crashes: of the Runboard process, and of PostgreSQL under a running node")
class EmbeddedCrashTest {

  private static final String ADMIN = "{\"username\": \"admin\", \"password\": \"correct-horse-battery\"}";

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  @DisplayName("after kill -9 of Runboard, its orphaned PostgreSQL is stopped at the next start, which comes up "
    + "with the data")
  void killedRunboard(@TempDir Path dir) throws Exception {
    Path pgData = dir.resolve("data/postgres");
    try {
      long orphan;
      try (RunboardProcess first = RunboardProcess.start(dir, Map.of())) {
        assertThat(first.postJson("/api/auth/setup", ADMIN).statusCode()).isEqualTo(201);
        orphan = RunboardProcess.postmaster(pgData).orElseThrow().pid();
        first.kill();
      }
      assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).as("PostgreSQL outlives a killed Runboard")
        .isPresent();

      try (RunboardProcess second = RunboardProcess.start(dir, Map.of())) {
        assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).as("the orphan was stopped").isEmpty();
        assertThat(second.output()).contains("stopping it").contains("(fast shutdown)");
        assertThat(second.get("/health/ready").statusCode()).isEqualTo(200);
        assertThat(second.get("/api/auth/setup").body()).contains("\"setupRequired\":false");
        assertThat(second.postJson("/api/auth/login", ADMIN).statusCode()).isEqualTo(200);
        assertThat(second.terminate()).isZero();
      }
    } finally {
      RunboardProcess.killPostmaster(pgData);
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  @DisplayName("while PostgreSQL is down, API requests answer 503 unavailable with Retry-After and /health/ready "
    + "503; Runboard restarts it and recovers")
  void killedPostgres(@TempDir Path dir) throws Exception {
    Path pgData = dir.resolve("data/postgres");
    try (RunboardProcess node = RunboardProcess.start(dir, Map.of("RUNBOARD_AUTH_ANONYMOUS_READ", "true"))) {
      assertThat(node.postJson("/api/auth/setup", ADMIN).statusCode()).isEqualTo(201);
      assertThat(node.get("/api/projects").statusCode()).isEqualTo(200);
      ProcessHandle postmaster = RunboardProcess.postmaster(pgData).orElseThrow();

      postmaster.destroyForcibly(); // SIGKILL: no shutdown, as when the kernel's OOM killer strikes
      List<Integer> statuses = new ArrayList<>();
      List<HttpResponse<String>> unavailable = new ArrayList<>();
      boolean readyWasDown = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        HttpResponse<String> projects = node.get("/api/projects");
        HttpResponse<String> login = node.postJson("/api/auth/login", ADMIN);
        HttpResponse<String> ready = node.get("/health/ready");
        statuses.addAll(List.of(projects.statusCode(), login.statusCode()));
        for (HttpResponse<String> response : List.of(projects, login)) {
          if (response.statusCode() == 503) {
            unavailable.add(response);
          }
        }
        readyWasDown |= ready.statusCode() == 503;
        if (!unavailable.isEmpty() && projects.statusCode() == 200 && login.statusCode() == 200
          && ready.statusCode() == 200) {
          break;
        }
        Thread.sleep(50);
      }

      assertThat(statuses).as("statuses while PostgreSQL was down and after").containsOnly(200, 503).endsWith(200, 200);
      assertThat(unavailable).isNotEmpty().allSatisfy(response -> {
        assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(v).matches("\\d+"));
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          v -> assertThat(v).startsWith("application/json"));
        assertThat(response.body()).contains("\"error\":\"unavailable\"").contains("\"message\":");
      });
      assertThat(readyWasDown).as("/health/ready answered 503 while PostgreSQL was down").isTrue();
      assertThat(node.get("/health/ready").statusCode()).isEqualTo(200);
      assertThat(RunboardProcess.postmaster(pgData).orElseThrow().pid()).isNotEqualTo(postmaster.pid());
      assertThat(node.output()).contains("is not running").contains("Embedded PostgreSQL restarted");
      assertThat(node.terminate()).isZero();
    } finally {
      RunboardProcess.killPostmaster(pgData);
    }
  }
}
