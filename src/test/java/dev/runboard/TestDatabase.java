package dev.runboard;

import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL per test JVM (fsync off: tests need speed, not durability), and a fresh empty
 * database for each caller, handed to the app as a config overlay.
 */
public final class TestDatabase {

  private static final AtomicInteger databases = new AtomicInteger();
  private static EmbeddedPostgres postgres;

  private TestDatabase() {
  }

  private static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder()
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("max_connections", "300")
          .start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return postgres;
  }

  /** Creates an empty database and returns its URL. */
  public static DatabaseUrl freshDatabase() {
    String name = "test_" + databases.incrementAndGet();
    try (Connection c = postgres().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return new DatabaseUrl("127.0.0.1", postgres().getPort(), name, "postgres", "");
  }

  /**
   * Test config: loopback, random ports (dashboard and files), two HTTP instances, a fresh database;
   * {@code overrides} win.
   */
  public static AppConfig config(JsonObject overrides) {
    JsonObject json = new JsonObject()
      .put(AppConfig.HTTP_HOST, "127.0.0.1")
      .put(AppConfig.HTTP_PORT, 0)
      .put(AppConfig.FILES_PORT, 0)
      .put(AppConfig.HTTP_INSTANCES, 2)
      .put(AppConfig.HTTP_SHUTDOWN_TIMEOUT, "2s")
      .put(AppConfig.DB_URL, freshDatabase().toString())
      .put(AppConfig.DB_POOL_SIZE, 4)
      .mergeIn(overrides);
    return AppConfig.of(json);
  }

  public static Connection jdbc(DatabaseUrl url) throws SQLException {
    return java.sql.DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
  }
}
