package dev.runboard.store;

import dev.runboard.config.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL run by Runboard itself (zonky's embedded binaries) when no database URL is configured.
 *
 * <p>Its data directory is kept across restarts, and it is durable: zonky starts PostgreSQL with {@code -F}
 * (no fsync) and {@code synchronous_commit=off}; both are turned back on so that a result acknowledged to a
 * reporter survives a crash. It listens on the loopback interface only, and only to its superuser with the
 * password in {@code superuser.password} ({@link SuperuserAccess}).
 *
 * <p>A server left running by a Runboard process that was killed is stopped before the start
 * ({@link StalePostmaster}). While Runboard runs, a watchdog checks the server every {@value #WATCH_INTERVAL_MS}
 * ms; when it has died, the watchdog starts it again on the same port, so that the pool reconnects by itself,
 * after {@value #RESTART_DELAY_MS} ms, twice as long at each further attempt within {@link #RESTART_WINDOW}. In
 * between, API requests answer 503. After {@value #MAX_RESTARTS} attempts within that window {@link #gaveUp()}
 * completes and the node stops, for a supervisor to start it afresh.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(EmbeddedDatabase.class);
  static final String DATABASE = "runboard";
  /** Long enough for crash recovery (replaying the WAL since the last checkpoint) after a hard stop. */
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
  /** Server settings, the same at every start: zonky's own defaults (UTC) and what Runboard needs. */
  private static final Map<String, String> SERVER_CONFIG = Map.of(
    "timezone", "UTC",
    "listen_addresses", "127.0.0.1",
    "fsync", "on",
    "synchronous_commit", "on",
    "full_page_writes", "on",
    "max_connections", "200",
    "password_encryption", "scram-sha-256");
  private static final long WATCH_INTERVAL_MS = 500;
  private static final long RESTART_DELAY_MS = 1_000;
  private static final int MAX_RESTARTS = 5;
  private static final Duration RESTART_WINDOW = Duration.ofMinutes(10);

  private final Path directory;
  private final int port;
  private final String password;
  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "embedded-postgres-watchdog");
    thread.setDaemon(true);
    return thread;
  });
  private final CompletableFuture<String> gaveUp = new CompletableFuture<>();
  private final Deque<Instant> restarts = new ArrayDeque<>();
  private final EmbeddedPostgres postgres;
  private ProcessHandle postmaster;
  private boolean closed;

  private EmbeddedDatabase(Path directory, EmbeddedPostgres postgres, String password) throws IOException {
    this.directory = directory;
    this.port = postgres.getPort();
    this.password = password;
    this.postgres = postgres;
    this.postmaster = postmasterOf(directory);
  }

  /** Starts (and on first use initialises) PostgreSQL in {@code directory}. Blocking: call before Vert.x runs. */
  public static EmbeddedDatabase start(Path directory, int port) throws IOException {
    Path absolute = directory.toAbsolutePath().normalize();
    Files.createDirectories(absolute);
    boolean fresh = !Files.exists(absolute.resolve("PG_VERSION"));
    StalePostmaster.stopIfRunning(absolute);
    SuperuserAccess access = SuperuserAccess.load(absolute);
    EmbeddedPostgres postgres = launch(absolute, port, access);
    EmbeddedDatabase database;
    try {
      database = new EmbeddedDatabase(absolute, postgres, access.password());
      database.createDatabaseIfMissing();
    } catch (IOException | RuntimeException e) {
      postgres.close();
      throw e;
    }
    logger.info("Embedded PostgreSQL {} in {} on 127.0.0.1:{}", fresh ? "initialised" : "started", absolute,
      database.port);
    database.watchdog.scheduleWithFixedDelay(database::checkServer, WATCH_INTERVAL_MS, WATCH_INTERVAL_MS,
      TimeUnit.MILLISECONDS);
    return database;
  }

  private static EmbeddedPostgres launch(Path directory, int port, SuperuserAccess access) throws IOException {
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
      .setDataDirectory(directory)
      .setCleanDataDirectory(false)
      .setPgBinaryResolver(PostgresBinaries.INSTANCE)
      .setPGStartupWait(STARTUP_WAIT)
      .setConnectConfig("password", access.password())
      // After initdb, before the server starts: nothing ever listens while the database trusts anyone.
      .setDataDirectoryCustomizer(dir -> {
        try {
          access.secure(dir.toPath(), PostgresBinaries.INSTANCE);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    SERVER_CONFIG.forEach(builder::setServerConfig);
    if (port > 0) {
      builder.setPort(port);
    }
    try {
      return builder.start();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static ProcessHandle postmasterOf(Path directory) throws IOException {
    return StalePostmaster.postmasterOf(directory)
      .orElseThrow(() -> new IOException("PostgreSQL started but " + directory + "/postmaster.pid names no server"));
  }

  /** Connects as the superuser with its password. */
  public DatabaseUrl url() {
    return new DatabaseUrl("127.0.0.1", port, DATABASE, SuperuserAccess.SUPERUSER, password);
  }

  public Path directory() {
    return directory;
  }

  /**
   * Completes, with the reason, when the server died and the watchdog gave up bringing it back: the node cannot go
   * on without its database. Never completes otherwise.
   */
  public CompletionStage<String> gaveUp() {
    return gaveUp.minimalCompletionStage();
  }

  private void createDatabaseIfMissing() throws IOException {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
         PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, DATABASE);
      try (ResultSet rs = exists.executeQuery()) {
        if (!rs.next()) {
          try (Statement create = c.createStatement()) {
            create.execute("CREATE DATABASE " + DATABASE);
          }
        }
      }
    } catch (SQLException e) {
      throw new IOException("cannot create database " + DATABASE + " in embedded PostgreSQL", e);
    }
  }

  private void checkServer() {
    long pid;
    long delay;
    synchronized (this) {
      if (closed || gaveUp.isDone() || postmaster.isAlive()) {
        return;
      }
      pid = postmaster.pid();
      Instant now = Instant.now();
      restarts.removeIf(at -> at.isBefore(now.minus(RESTART_WINDOW)));
      if (restarts.size() >= MAX_RESTARTS) {
        giveUp("is down again after " + MAX_RESTARTS + " restarts within " + RESTART_WINDOW.toMinutes()
          + " minutes");
        return;
      }
      restarts.add(now);
      delay = RESTART_DELAY_MS << (restarts.size() - 1);
    }
    logger.error("Embedded PostgreSQL (pid {}) is not running: API requests answer 503 until it is back; "
      + "restarting it in {} ms", pid, delay);
    try {
      Thread.sleep(delay); // also lets its last processes exit and release the shared memory
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    restart();
  }

  /**
   * Starts the server again, as zonky did, with {@code pg_ctl}: zonky's instance keeps its lock on the directory,
   * and stops whatever server runs there when Runboard stops. The password and {@code pg_hba.conf} are unchanged.
   */
  private synchronized void restart() {
    if (closed) {
      return;
    }
    try {
      Optional<ProcessHandle> running = StalePostmaster.postmasterOf(directory);
      if (running.isEmpty()) {
        List<String> options = new ArrayList<>(List.of("-p", Integer.toString(port)));
        SERVER_CONFIG.forEach((key, value) -> options.addAll(List.of("-c", key + "=" + value)));
        ServerOutput output = ServerOutput.follow(new ProcessBuilder(PostgresBinaries.INSTANCE.command("pg_ctl",
          "-D", directory.toString(), "-o", String.join(" ", options), "-w", "-t",
          Long.toString(STARTUP_WAIT.toSeconds()), "start")).redirectErrorStream(true));
        output.awaitSuccess(STARTUP_WAIT.plusSeconds(10));
      }
      postmaster = postmasterOf(directory);
      logger.info("Embedded PostgreSQL restarted on 127.0.0.1:{} (pid {})", port, postmaster.pid());
    } catch (IOException | RuntimeException e) {
      // Caught whatever it is: an exception would end the watchdog's schedule. The next check tries again.
      logger.error("Embedded PostgreSQL could not be restarted: {}", e.getMessage());
    }
  }

  private void giveUp(String reason) {
    logger.error("Embedded PostgreSQL in {} {}: Runboard stops, for its supervisor (systemd, Docker, Kubernetes) "
      + "to start it afresh", directory, reason);
    gaveUp.complete("the embedded PostgreSQL " + reason);
  }

  /** Stops the watchdog, then PostgreSQL (fast shutdown: a checkpoint, nothing committed is lost). */
  @Override
  public void close() throws IOException {
    watchdog.shutdownNow();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      postgres.close();
    }
  }

  /**
   * The output of {@code pg_ctl start}, which the server inherits: read for as long as the server runs (a full
   * pipe would block it), logged at debug level, its last lines kept for the error message.
   */
  private static final class ServerOutput {

    private static final int KEPT_LINES = 20;
    private final Process process;
    private final Deque<String> last = new ArrayDeque<>();

    private ServerOutput(Process process) {
      this.process = process;
    }

    static ServerOutput follow(ProcessBuilder builder) throws IOException {
      ServerOutput output = new ServerOutput(builder.start());
      Thread reader = new Thread(output::read, "embedded-postgres-output");
      reader.setDaemon(true);
      reader.start();
      return output;
    }

    private void read() {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
        for (String line; (line = lines.readLine()) != null; ) {
          logger.debug("postgres: {}", line);
          synchronized (last) {
            if (last.size() == KEPT_LINES) {
              last.removeFirst();
            }
            last.addLast(line);
          }
        }
      } catch (IOException e) {
        logger.debug("Output of the embedded PostgreSQL: {}", e.toString());
      }
    }

    void awaitSuccess(Duration timeout) throws IOException {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new IOException("pg_ctl start did not finish within " + timeout.toSeconds() + " s");
        }
        if (process.exitValue() != 0) {
          Thread.sleep(100); // the last lines, written as it exited
          synchronized (last) {
            throw new IOException("pg_ctl start failed (exit code " + process.exitValue() + "): "
              + String.join(" / ", last));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting PostgreSQL", e);
      }
    }
  }
}
