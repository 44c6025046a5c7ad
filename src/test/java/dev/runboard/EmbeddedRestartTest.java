package dev.runboard;

import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The embedded database keeps its data across restarts and is durable")
class EmbeddedRestartTest {

  private static AppConfig embeddedConfig(Path dataDir) {
    return AppConfig.of(new JsonObject()
      .put(AppConfig.HTTP_HOST, "127.0.0.1")
      .put(AppConfig.HTTP_PORT, 0)
      .put(AppConfig.FILES_PORT, 0)
      .put(AppConfig.HTTP_INSTANCES, 1)
      .put(AppConfig.HTTP_SHUTDOWN_TIMEOUT, "2s")
      .put(AppConfig.DATA_DIR, dataDir.toString()));
  }

  @Test
  @DisplayName("a second boot on the same data directory sees what the first wrote")
  void restartKeepsData(@TempDir Path dataDir) throws Exception {
    Runboard first = Runboard.start(embeddedConfig(dataDir));
    try (Connection c = connect(first); Statement s = c.createStatement()) {
      s.execute("INSERT INTO projects (name) VALUES ('kept-across-restarts')");
      assertThat(single(s, "SHOW fsync")).isEqualTo("on");
      assertThat(single(s, "SHOW synchronous_commit")).isEqualTo("on");
      assertThat(single(s, "SHOW full_page_writes")).isEqualTo("on");
      assertThat(single(s, "SHOW listen_addresses")).isEqualTo("127.0.0.1");
    } finally {
      first.stop();
    }
    assertThat(dataDir.resolve("postgres/PG_VERSION")).exists();
    assertThat(Files.exists(dataDir.resolve("postgres/postmaster.pid"))).as("PostgreSQL stopped").isFalse();

    Runboard second = Runboard.start(embeddedConfig(dataDir));
    try (Connection c = connect(second); Statement s = c.createStatement()) {
      assertThat(single(s, "SELECT name FROM projects")).isEqualTo("kept-across-restarts");
      assertThat(single(s, "SELECT count(*) FROM flyway_schema_history WHERE NOT success")).isEqualTo("0");
      assertThat(single(s, "SELECT count(*) = count(DISTINCT version) FROM flyway_schema_history"))
        .as("no migration applied twice").isEqualTo("t");
    } finally {
      second.stop();
    }
  }

  private static Connection connect(Runboard node) throws Exception {
    AppConfig config = node.config();
    return TestDatabase.jdbc(DatabaseUrl.parse(config.dbUrl()).withCredentials(config.dbUser(), config.dbPassword()));
  }

  private static String single(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }
}
