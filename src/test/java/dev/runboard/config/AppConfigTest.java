package dev.runboard.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Configuration loading and validation")
class AppConfigTest {

  @Test
  @DisplayName("defaults are valid and match the documented ones")
  void defaults() {
    AppConfig config = AppConfig.of(new JsonObject());
    assertThat(config.httpPort()).isEqualTo(3000);
    assertThat(config.httpHost()).isEqualTo("0.0.0.0");
    assertThat(config.embeddedDatabase()).isTrue();
    assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(config.shutdownTimeoutMs()).isEqualTo(10_000);
    assertThat(config.httpInstances()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(config.filesPort()).isEqualTo(3001);
    assertThat(config.filesPublicUrl()).isEmpty();
    assertThat(config.fileUrlTtlMs()).isEqualTo(3_600_000);
  }

  @Test
  @DisplayName("the files origin: an origin with its trailing slash dropped, its own port, a lifetime of 1s to 7d")
  void filesOrigin() {
    AppConfig config = AppConfig.of(new JsonObject().put("files.publicUrl", "https://Files.example.com:8443/")
      .put("files.port", 0).put("http.port", 0).put("files.urlTtl", "7d"));
    assertThat(config.filesPublicUrl()).isEqualTo("https://Files.example.com:8443");
    assertThat(config.filesPort()).isZero();
    assertThat(config.fileUrlTtlMs()).isEqualTo(7 * 86_400_000L);
    assertThat(AppConfig.of(new JsonObject().put("files.urlTtl", "1s")).fileUrlTtlMs()).isEqualTo(1_000);
    assertThat(AppConfig.of(new JsonObject().put("http.port", 3001).put("files.port", 3002)).filesPort())
      .isEqualTo(3002);
  }

  @ParameterizedTest(name = "{0} = ''{1}'' is refused")
  @CsvSource(delimiter = '|', value = {
    "http.host|''",
    "http.host|not a host",
    "http.port|abc",
    "http.port|-1",
    "http.port|65536",
    "http.port|80.5",
    "http.publicUrl|ftp://example.com",
    "http.publicUrl|not a url",
    "http.instances|-2",
    "http.instances|many",
    "http.shutdownTimeout|0s",
    "http.shutdownTimeout|ten seconds",
    "http.shutdownTimeout|-5",
    "db.url|mysql://localhost/x",
    "db.url|postgresql://localhost:99999/x",
    "db.poolSize|0",
    "db.poolSize|lots",
    "db.embedded.port|70000",
    "data.dir|''",
    "metrics.enabled|yes",
    "http.idleTimeout|never",
    "ingest.maxEventsBytes|10 bytes",
    "ingest.maxEventsBytes|100",
    "sse.maxConnections|0",
    "sse.pingInterval|0",
    "sse.maxStreamsPerUser|0",
    "sse.maxStreamsPerUser|many",
    "sse.maxStreamsPerUser|2.5",
    "sse.stallTimeout|0s",
    "sse.stallTimeout|forever",
    "cluster.enabled|maybe",
    "cluster.name|not a name!",
    "cluster.members|db.internal:port",
    "cluster.port|99999",
    "auth.anonymousRead|maybe",
    "auth.sessionIdleTimeout|0s",
    "auth.sessionMaxAge|forever",
    "auth.secureCookie|1",
    "auth.minPasswordLength|0",
    "auth.hashThreads|-1",
    "auth.hashThreads|half",
    "auth.hashQueue|-1",
    "auth.hashQueue|2000",
    "retention.runsDays|-1",
    "retention.runsDays|36501",
    "retention.runsDays|30 days",
    "retention.keepRuns|1000001",
    "retention.keepRuns|lots",
    "retention.filesDays|1.5",
    "retention.interval|0",
    "retention.interval|hourly",
    "retention.batchSize|0",
    "retention.batchSize|5000",
    "retention.busyPercent|0",
    "retention.busyPercent|101",
    "retention.busyPercent|half",
    "webhooks.allowPrivate|sometimes",
    "webhooks.connectTimeout|0",
    "webhooks.timeout|forever",
    "webhooks.retryDelay|-1s",
    "webhooks.maxRetryDelay|1 week",
    "webhooks.retryFor|0d",
    "webhooks.pollInterval|often",
    "webhooks.scanInterval|0ms",
    "files.port|70000",
    "files.port|3000",
    "files.publicUrl|ftp://files.example.com",
    "files.publicUrl|https://files.example.com/runboard",
    "files.publicUrl|https://files.example.com/?x=1",
    "files.publicUrl|https://user@files.example.com",
    "files.urlTtl|0s",
    "files.urlTtl|500ms",
    "files.urlTtl|8d",
    "storage.kind|nfs",
    "storage.s3.endpoint|s3.example.com",
    "storage.s3.bucket|ab",
    "storage.s3.bucket|no spaces",
    "storage.s3.region|''",
    "storage.s3.pathStyle|sometimes",
    "storage.s3.prefix|a/../b",
    "storage.s3.prefix|with space"
  })
  void badValueNamesTheKey(String key, String value) {
    assertThatThrownBy(() -> AppConfig.of(new JsonObject().put(key, value)))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith(key + " ")
      .hasMessageContaining("got '" + value + "'");
  }

  @Test
  @DisplayName("the unattended administrator needs both a name and a long enough password, which is never echoed")
  void unattendedAdministrator() {
    assertThatThrownBy(() -> AppConfig.of(new JsonObject().put("admin.username", "root")))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("admin.password ");
    assertThatThrownBy(() -> AppConfig.of(new JsonObject().put("admin.password", "long enough secret")))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("admin.username ");
    assertThatThrownBy(() -> AppConfig.load(Map.of("RUNBOARD_ADMIN_USERNAME", "root",
      "RUNBOARD_ADMIN_PASSWORD", "short1"), new Properties()))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("admin.password (env RUNBOARD_ADMIN_PASSWORD)")
      .hasMessageNotContaining("short1");
    AppConfig config = AppConfig.of(new JsonObject().put("admin.username", "root")
      .put("admin.password", "long enough secret"));
    assertThat(config.adminUsername()).isEqualTo("root");
    assertThat(config.anonymousRead()).isFalse();
    assertThat(config.sessionIdleTimeoutMs()).isEqualTo(7 * 86_400_000L);
    assertThat(config.sessionMaxAgeMs()).isEqualTo(30 * 86_400_000L);
    assertThat(config.minPasswordLength()).isEqualTo(10);
    assertThat(config.secureCookie()).isFalse();
    assertThat(AppConfig.of(new JsonObject().put("http.publicUrl", "https://rb.example.com")).secureCookie()).isTrue();
  }

  @Test
  @DisplayName("password hashing gets half the cores (at least one thread) unless set, and 64 waiting hashes")
  void passwordHashing() {
    AppConfig defaults = AppConfig.of(new JsonObject());
    assertThat(defaults.hashThreads()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    assertThat(defaults.hashQueue()).isEqualTo(64);
    AppConfig set = AppConfig.of(new JsonObject().put("auth.hashThreads", "3").put("auth.hashQueue", 0));
    assertThat(set.hashThreads()).isEqualTo(3);
    assertThat(set.hashQueue()).isZero();
  }

  @Test
  @DisplayName("retention keeps everything by default, hourly in batches of 10 paced to 20 % busy; 0 is an "
    + "accepted 'no limit'")
  void retention() {
    AppConfig defaults = AppConfig.of(new JsonObject());
    assertThat(defaults.retentionRunsDays()).isZero();
    assertThat(defaults.retentionKeepRuns()).isZero();
    assertThat(defaults.retentionFilesDays()).isZero();
    assertThat(defaults.retentionIntervalMs()).isEqualTo(3_600_000L);
    assertThat(defaults.retentionBatchSize()).isEqualTo(10);
    assertThat(defaults.retentionBusyPercent()).isEqualTo(20);
    AppConfig set = AppConfig.load(Map.of("RUNBOARD_RETENTION_RUNS_DAYS", "90", "RUNBOARD_RETENTION_KEEP_RUNS",
      "500", "RUNBOARD_RETENTION_FILES_DAYS", "14", "RUNBOARD_RETENTION_INTERVAL", "15m",
      "RUNBOARD_RETENTION_BATCH_SIZE", "25", "RUNBOARD_RETENTION_BUSY_PERCENT", "100"), new Properties());
    assertThat(set.retentionRunsDays()).isEqualTo(90);
    assertThat(set.retentionKeepRuns()).isEqualTo(500);
    assertThat(set.retentionFilesDays()).isEqualTo(14);
    assertThat(set.retentionIntervalMs()).isEqualTo(900_000L);
    assertThat(set.retentionBatchSize()).isEqualTo(25);
    assertThat(set.retentionBusyPercent()).isEqualTo(100);
    assertThat(AppConfig.of(new JsonObject().put("retention.runsDays", 36_500).put("retention.keepRuns", 1_000_000))
      .retentionKeepRuns()).isEqualTo(1_000_000);
  }

  @Test
  @DisplayName("webhooks: private addresses refused, 5 s to connect, 10 s an attempt, retries from 30 s to 1 h for a day")
  void webhooks() {
    AppConfig defaults = AppConfig.of(new JsonObject());
    assertThat(defaults.webhooksAllowPrivate()).isFalse();
    assertThat(defaults.webhookConnectTimeoutMs()).isEqualTo(5_000);
    assertThat(defaults.webhookTimeoutMs()).isEqualTo(10_000);
    assertThat(defaults.webhookRetryDelayMs()).isEqualTo(30_000);
    assertThat(defaults.webhookMaxRetryDelayMs()).isEqualTo(3_600_000);
    assertThat(defaults.webhookRetryForMs()).isEqualTo(86_400_000);
    assertThat(defaults.webhookPollIntervalMs()).isEqualTo(5_000);
    assertThat(defaults.webhookScanIntervalMs()).isEqualTo(60_000);
    AppConfig set = AppConfig.load(Map.of("RUNBOARD_WEBHOOKS_ALLOW_PRIVATE", "true",
      "RUNBOARD_WEBHOOKS_RETRY_DELAY", "200ms"), new Properties());
    assertThat(set.webhooksAllowPrivate()).isTrue();
    assertThat(set.webhookRetryDelayMs()).isEqualTo(200);
  }

  @Test
  @DisplayName("live streams: 20 per user and a 10 s stall timeout unless set")
  void liveStreams() {
    AppConfig defaults = AppConfig.of(new JsonObject());
    assertThat(defaults.sseMaxStreamsPerUser()).isEqualTo(20);
    assertThat(defaults.sseStallTimeoutMs()).isEqualTo(10_000);
    AppConfig set = AppConfig.of(new JsonObject().put("sse.maxStreamsPerUser", "5").put("sse.stallTimeout", "1m"));
    assertThat(set.sseMaxStreamsPerUser()).isEqualTo(5);
    assertThat(set.sseStallTimeoutMs()).isEqualTo(60_000);
    AppConfig fromEnv = AppConfig.load(Map.of("RUNBOARD_SSE_MAX_STREAMS_PER_USER", "7"), new Properties());
    assertThat(fromEnv.sseMaxStreamsPerUser()).isEqualTo(7);
  }

  @Test
  @DisplayName("files are stored on the file system unless storage.kind is s3, which needs a bucket and paired keys")
  void storage() {
    AppConfig defaults = AppConfig.of(new JsonObject());
    assertThat(defaults.storageKind()).isEqualTo("filesystem");
    assertThat(defaults.storageDir()).isEqualTo(Path.of("./data", "files"));
    assertThat(defaults.s3Region()).isEqualTo("us-east-1");
    assertThat(defaults.s3PathStyle()).isTrue();
    assertThat(defaults.s3Prefix()).isEmpty();
    AppConfig s3 = AppConfig.load(Map.of("RUNBOARD_STORAGE_KIND", "s3",
      "RUNBOARD_STORAGE_S3_ENDPOINT", "http://minio.internal:9000/",
      "RUNBOARD_STORAGE_S3_BUCKET", "runboard-files",
      "RUNBOARD_STORAGE_S3_ACCESS_KEY", "AKIA0000",
      "RUNBOARD_STORAGE_S3_SECRET_KEY", "very secret",
      "RUNBOARD_STORAGE_S3_PATH_STYLE", "false",
      "RUNBOARD_STORAGE_S3_PREFIX", "/teams/web/"), new Properties());
    assertThat(s3.storageKind()).isEqualTo("s3");
    assertThat(s3.s3Endpoint()).isEqualTo("http://minio.internal:9000");
    assertThat(s3.s3Bucket()).isEqualTo("runboard-files");
    assertThat(s3.s3AccessKey()).isEqualTo("AKIA0000");
    assertThat(s3.s3SecretKey()).isEqualTo("very secret");
    assertThat(s3.s3PathStyle()).isFalse();
    assertThat(s3.s3Prefix()).isEqualTo("teams/web");

    assertThatThrownBy(() -> AppConfig.of(new JsonObject().put("storage.kind", "s3")))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("storage.s3.bucket (default) must be set");
    assertThatThrownBy(() -> AppConfig.load(Map.of("RUNBOARD_STORAGE_S3_ACCESS_KEY", "AKIA0000"), new Properties()))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("storage.s3.secretKey (default) must be set when storage.s3.accessKey is");
    assertThatThrownBy(() -> AppConfig.load(Map.of("RUNBOARD_STORAGE_S3_SECRET_KEY", "very secret"),
      new Properties()))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("storage.s3.accessKey (default) must be set when storage.s3.secretKey is")
      .hasMessageNotContaining("very secret");
  }

  @Test
  @DisplayName("an unknown key is refused rather than silently ignored")
  void unknownKey() {
    assertThatThrownBy(() -> AppConfig.of(new JsonObject().put("http.prot", 1)))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("http.prot");
  }

  @Test
  @DisplayName("environment variables override the file, and system properties override both")
  void precedence(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"http\": {\"port\": 4000, \"shutdownTimeout\": \"3s\"}, \"db\": {\"poolSize\": 3}}");
    Properties props = new Properties();
    props.setProperty("runboard.db.poolSize", "5");
    AppConfig config = AppConfig.load(Map.of(
      "RUNBOARD_CONFIG", file.toString(),
      "RUNBOARD_HTTP_PORT", "4001",
      "RUNBOARD_DB_POOL_SIZE", "4",
      "RUNBOARD_HTTP_PUBLIC_URL", "https://runboard.example.com/"), props);
    assertThat(config.httpPort()).isEqualTo(4001);
    assertThat(config.shutdownTimeoutMs()).isEqualTo(3_000);
    assertThat(config.dbPoolSize()).isEqualTo(5);
    assertThat(config.publicUrl()).isEqualTo("https://runboard.example.com");
  }

  @Test
  @DisplayName("a bad environment value names the key and the variable")
  void badEnvironmentValue() {
    assertThatThrownBy(() -> AppConfig.load(Map.of("RUNBOARD_HTTP_PORT", "http"), new Properties()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("http.port")
      .hasMessageContaining("RUNBOARD_HTTP_PORT");
  }

  @Test
  @DisplayName("a config file that is not JSON, or names an unknown key, stops the start")
  void badFile(@TempDir Path dir) throws IOException {
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{ http: ");
    assertThatThrownBy(() -> AppConfig.load(Map.of("RUNBOARD_CONFIG", broken.toString()), new Properties()))
      .isInstanceOf(ConfigException.class).hasMessageContaining("not a JSON object");
    Path typo = dir.resolve("typo.json");
    Files.writeString(typo, "{\"http\": {\"prot\": 3000}}");
    assertThatThrownBy(() -> AppConfig.load(Map.of("RUNBOARD_CONFIG", typo.toString()), new Properties()))
      .isInstanceOf(ConfigException.class).hasMessageContaining("http.prot");
    assertThatThrownBy(() -> AppConfig.load(Map.of("RUNBOARD_CONFIG", dir.resolve("missing.json").toString()),
      new Properties())).isInstanceOf(ConfigException.class).hasMessageContaining("cannot be read");
  }

  @ParameterizedTest(name = "''{0}'' is {1} ms")
  @CsvSource({"250ms,250", "15s,15000", "5m,300000", "1h,3600000", "2d,172800000", "1500,1500"})
  void durations(String text, long millis) {
    assertThat(AppConfig.of(new JsonObject().put("http.shutdownTimeout", text)).shutdownTimeoutMs()).isEqualTo(millis);
  }

  @Test
  @DisplayName("env names follow the dotted keys")
  void envNames() {
    assertThat(AppConfig.KEYS).extracting(AppConfig.Key::envName)
      .contains("RUNBOARD_HTTP_PORT", "RUNBOARD_HTTP_PUBLIC_URL", "RUNBOARD_DB_URL", "RUNBOARD_DATA_DIR",
        "RUNBOARD_DB_EMBEDDED_PORT", "RUNBOARD_STORAGE_S3_ACCESS_KEY", "RUNBOARD_STORAGE_S3_SECRET_KEY",
        "RUNBOARD_STORAGE_S3_PATH_STYLE");
  }

  @Test
  @DisplayName("the database URL keeps its parts, and its text form hides the password")
  void databaseUrl() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://rb:s3cret@db.internal:5433/runboard");
    assertThat(url.host()).isEqualTo("db.internal");
    assertThat(url.port()).isEqualTo(5433);
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5433/runboard");
    assertThat(url.toString()).doesNotContain("s3cret");
    assertThat(url.withCredentials("other", "").user()).isEqualTo("other");
    assertThat(url.withCredentials("other", "").password()).isEqualTo("s3cret");
  }
}
