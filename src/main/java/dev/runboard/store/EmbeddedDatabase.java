package dev.runboard.store;

import dev.runboard.config.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * PostgreSQL run by Runboard itself (zonky's embedded binaries) when no database URL is configured.
 *
 * <p>Its data directory is kept across restarts, and it is durable: zonky starts PostgreSQL with {@code -F}
 * (no fsync) and {@code synchronous_commit=off}; both are turned back on so that a result acknowledged to a
 * reporter survives a crash. It listens on the loopback interface only.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(EmbeddedDatabase.class);
  static final String DATABASE = "runboard";
  private static final String SUPERUSER = "postgres";

  private final EmbeddedPostgres postgres;
  private final Path directory;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path directory) {
    this.postgres = postgres;
    this.directory = directory;
  }

  /** Starts (and on first use initialises) PostgreSQL in {@code directory}. Blocking: call before Vert.x runs. */
  public static EmbeddedDatabase start(Path directory, int port) throws IOException {
    Files.createDirectories(directory);
    boolean fresh = !Files.exists(directory.resolve("PG_VERSION"));
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
      .setDataDirectory(directory)
      .setCleanDataDirectory(false)
      .setServerConfig("listen_addresses", "127.0.0.1")
      .setServerConfig("fsync", "on")
      .setServerConfig("synchronous_commit", "on")
      .setServerConfig("full_page_writes", "on")
      .setServerConfig("max_connections", "200");
    if (port > 0) {
      builder.setPort(port);
    }
    EmbeddedPostgres postgres = builder.start();
    EmbeddedDatabase database = new EmbeddedDatabase(postgres, directory);
    database.createDatabaseIfMissing();
    logger.info("Embedded PostgreSQL {} in {} on 127.0.0.1:{}", fresh ? "initialised" : "started",
      directory.toAbsolutePath().normalize(), postgres.getPort());
    return database;
  }

  public DatabaseUrl url() {
    return new DatabaseUrl("127.0.0.1", postgres.getPort(), DATABASE, SUPERUSER, "");
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
