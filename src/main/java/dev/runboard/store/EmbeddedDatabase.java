package dev.runboard.store;

import dev.runboard.config.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

/**
 * PostgreSQL run by Runboard itself (zonky's embedded binaries) when no database URL is configured.
 *
 * <p>Its data directory is kept across restarts, and it is durable: zonky starts PostgreSQL with {@code -F}
 * (no fsync) and {@code synchronous_commit=off}; both are turned back on so that a result acknowledged to a
 * reporter survives a crash. It listens on the loopback interface only, and only to its superuser with the
 * password in {@code superuser.password} ({@link SuperuserAccess}). A server left running by a Runboard process
 * that was killed is stopped before the start ({@link StalePostmaster}).
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

  private final Path directory;
  private final int port;
  private final String password;
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(Path directory, EmbeddedPostgres postgres, String password) {
    this.directory = directory;
    this.port = postgres.getPort();
    this.password = password;
    this.postgres = postgres;
  }

  /** Starts (and on first use initialises) PostgreSQL in {@code directory}. Blocking: call before Vert.x runs. */
  public static EmbeddedDatabase start(Path directory, int port) throws IOException {
    Path absolute = directory.toAbsolutePath().normalize();
    Files.createDirectories(absolute);
    boolean fresh = !Files.exists(absolute.resolve("PG_VERSION"));
    StalePostmaster.stopIfRunning(absolute);
    SuperuserAccess access = SuperuserAccess.load(absolute);
    EmbeddedPostgres postgres = launch(absolute, port, access);
    EmbeddedDatabase database = new EmbeddedDatabase(absolute, postgres, access.password());
    try {
      database.createDatabaseIfMissing();
    } catch (IOException | RuntimeException e) {
      postgres.close();
      throw e;
    }
    logger.info("Embedded PostgreSQL {} in {} on 127.0.0.1:{}", fresh ? "initialised" : "started", absolute,
      database.port);
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

  /** Connects as the superuser with its password. */
  public DatabaseUrl url() {
    return new DatabaseUrl("127.0.0.1", port, DATABASE, SuperuserAccess.SUPERUSER, password);
  }

  public Path directory() {
    return directory;
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

  /** Stops PostgreSQL cleanly (fast shutdown: a checkpoint, nothing committed is lost). */
  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
