package dev.runboard;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The embedded database survives a crash of the Runboard process")
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
}
