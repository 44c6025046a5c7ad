package dev.runboard.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("A server is stopped at start only when it is a PostgreSQL of our data directory that no Runboard uses")
class StalePostmasterTest {

  @Test
  @DisplayName("a postmaster.pid naming a process that is not a PostgreSQL of this directory is stale: removed")
  void reusedPid(@TempDir Path dir) throws IOException {
    Path pidFile = dir.resolve("postmaster.pid");
    Files.writeString(pidFile, ProcessHandle.current().pid() + "\n" + dir + "\n");
    assertThat(StalePostmaster.postmasterOf(dir)).isEmpty();
    assertThat(pidFile).doesNotExist();
    assertThat(ProcessHandle.current().isAlive()).as("nobody was signalled").isTrue();
  }

  @Test
  @DisplayName("a postmaster.pid naming a process that is gone is left to PostgreSQL")
  void deadPid(@TempDir Path dir) throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path pidFile = dir.resolve("postmaster.pid");
    Files.writeString(pidFile, gone.pid() + "\n");
    assertThat(StalePostmaster.postmasterOf(dir)).isEmpty();
    assertThat(pidFile).exists();
  }

  @Test
  @DisplayName("the database of a running Runboard is not stale: a second start on its directory is refused")
  void inUse(@TempDir Path dir) throws IOException {
    Path data = dir.resolve("postgres");
    try (EmbeddedDatabase running = EmbeddedDatabase.start(data, 0)) {
      long pid = StalePostmaster.postmasterOf(data).orElseThrow().pid();
      assertThatThrownBy(() -> EmbeddedDatabase.start(data, 0)).isInstanceOf(IOException.class)
        .hasMessageContaining("in use by another running Runboard");
      assertThat(StalePostmaster.postmasterOf(data).orElseThrow().pid()).isEqualTo(pid);
    }
  }
}
