package dev.runboard.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validated view over Runboard's configuration.
 *
 * <p>Sources, later ones winning: built-in defaults, the JSON config file ({@code conf/config.json}, or the file
 * named by {@code RUNBOARD_CONFIG} / {@code -Drunboard.config}), environment variables {@code RUNBOARD_<KEY>}
 * and system properties {@code runboard.<key>}. Every key is validated at load; the first bad value stops the
 * start with a {@link ConfigException} naming the key and where it came from.
 *
 * <p>The normalised form ({@link #json()}) is a flat JSON object keyed by the dotted names below, with durations
 * in milliseconds. It is what verticles receive as their config; they read it back through {@link #from}.
 */
public final class AppConfig {

  public static final String HTTP_HOST = "http.host";
  public static final String HTTP_PORT = "http.port";
  public static final String HTTP_PUBLIC_URL = "http.publicUrl";
  public static final String HTTP_INSTANCES = "http.instances";
  public static final String HTTP_SHUTDOWN_TIMEOUT = "http.shutdownTimeout";
  public static final String HTTP_IDLE_TIMEOUT = "http.idleTimeout";
  public static final String FILES_PORT = "files.port";
  public static final String FILES_PUBLIC_URL = "files.publicUrl";
  public static final String FILES_URL_TTL = "files.urlTtl";
  public static final String DB_URL = "db.url";
  public static final String DB_USER = "db.user";
  public static final String DB_PASSWORD = "db.password";
  public static final String DB_POOL_SIZE = "db.poolSize";
  public static final String DB_EMBEDDED_PORT = "db.embedded.port";
  public static final String DATA_DIR = "data.dir";
  public static final String METRICS_ENABLED = "metrics.enabled";
  public static final String AUTH_ANONYMOUS_READ = "auth.anonymousRead";
  public static final String AUTH_SESSION_IDLE_TIMEOUT = "auth.sessionIdleTimeout";
  public static final String AUTH_SESSION_MAX_AGE = "auth.sessionMaxAge";
  public static final String AUTH_SECURE_COOKIE = "auth.secureCookie";
  public static final String AUTH_MIN_PASSWORD_LENGTH = "auth.minPasswordLength";
  public static final String AUTH_HASH_THREADS = "auth.hashThreads";
  public static final String AUTH_HASH_QUEUE = "auth.hashQueue";
  public static final String ADMIN_USERNAME = "admin.username";
  public static final String ADMIN_PASSWORD = "admin.password";
  public static final String INGEST_MAX_START_BYTES = "ingest.maxStartBytes";
  public static final String INGEST_MAX_EVENTS_BYTES = "ingest.maxEventsBytes";
  public static final String INGEST_MAX_SUBMIT_BYTES = "ingest.maxSubmitBytes";
  public static final String INGEST_MAX_UPLOAD_BYTES = "ingest.maxUploadBytes";
  public static final String INGEST_MAX_ARCHIVE_ENTRY_BYTES = "ingest.maxArchiveEntryBytes";
  public static final String INGEST_MAX_ARCHIVE_ENTRIES = "ingest.maxArchiveEntries";
  public static final String STORAGE_DIR = "storage.dir";
  public static final String STORAGE_KIND = "storage.kind";
  public static final String STORAGE_S3_ENDPOINT = "storage.s3.endpoint";
  public static final String STORAGE_S3_BUCKET = "storage.s3.bucket";
  public static final String STORAGE_S3_REGION = "storage.s3.region";
  public static final String STORAGE_S3_ACCESS_KEY = "storage.s3.accessKey";
  public static final String STORAGE_S3_SECRET_KEY = "storage.s3.secretKey";
  public static final String STORAGE_S3_PATH_STYLE = "storage.s3.pathStyle";
  public static final String STORAGE_S3_PREFIX = "storage.s3.prefix";
  public static final String RUNS_IDLE_TIMEOUT = "runs.idleTimeout";
  public static final String RUNS_SWEEP_INTERVAL = "runs.sweepInterval";
  public static final String RUNS_FILES_GRACE = "runs.filesGrace";
  public static final String RETENTION_RUNS_DAYS = "retention.runsDays";
  public static final String RETENTION_KEEP_RUNS = "retention.keepRuns";
  public static final String RETENTION_FILES_DAYS = "retention.filesDays";
  public static final String RETENTION_INTERVAL = "retention.interval";
  public static final String RETENTION_BATCH_SIZE = "retention.batchSize";
  public static final String RETENTION_BUSY_PERCENT = "retention.busyPercent";
  public static final String CLUSTER_ENABLED = "cluster.enabled";
  public static final String CLUSTER_NAME = "cluster.name";
  public static final String CLUSTER_HOST = "cluster.host";
  public static final String CLUSTER_PORT = "cluster.port";
  public static final String CLUSTER_MEMBERS = "cluster.members";
  public static final String SSE_PING_INTERVAL = "sse.pingInterval";
  public static final String SSE_MAX_CONNECTIONS = "sse.maxConnections";
  public static final String SSE_MAX_QUEUED_BYTES = "sse.maxQueuedBytes";
  public static final String WEBHOOKS_ALLOW_PRIVATE = "webhooks.allowPrivate";
  public static final String WEBHOOKS_CONNECT_TIMEOUT = "webhooks.connectTimeout";
  public static final String WEBHOOKS_TIMEOUT = "webhooks.timeout";
  public static final String WEBHOOKS_RETRY_DELAY = "webhooks.retryDelay";
  public static final String WEBHOOKS_MAX_RETRY_DELAY = "webhooks.maxRetryDelay";
  public static final String WEBHOOKS_RETRY_FOR = "webhooks.retryFor";
  public static final String WEBHOOKS_POLL_INTERVAL = "webhooks.pollInterval";
  public static final String WEBHOOKS_SCAN_INTERVAL = "webhooks.scanInterval";
  public static final String SSE_MAX_STREAMS_PER_USER = "sse.maxStreamsPerUser";
  public static final String SSE_STALL_TIMEOUT = "sse.stallTimeout";

  static final String ENV_PREFIX = "RUNBOARD_";
  static final String SYSPROP_PREFIX = "runboard.";
  static final String CONFIG_FILE_ENV = "RUNBOARD_CONFIG";
  static final String CONFIG_FILE_SYSPROP = "runboard.config";
  static final Path DEFAULT_CONFIG_FILE = Path.of("conf", "config.json");
  static final long MIN_FILE_URL_TTL_MS = 1_000;
  static final long MAX_FILE_URL_TTL_MS = 7 * 86_400_000L;

  /** Every key Runboard reads, in the order the README documents them. */
  public static final List<Key> KEYS = List.of(
    new Key(HTTP_HOST, Type.HOST, "0.0.0.0", "Address the HTTP server binds to"),
    new Key(HTTP_PORT, Type.PORT, 3000, "HTTP port (0 picks a free one)"),
    new Key(HTTP_PUBLIC_URL, Type.URL, "", "Public origin of the dashboard (e.g. `https://runboard.example.com`); "
      + "empty: the origin of each request's `Host`"),
    new Key(HTTP_INSTANCES, Type.COUNT, 0, "HTTP verticle instances (event loops serving HTTP); 0: one per CPU core"),
    new Key(HTTP_SHUTDOWN_TIMEOUT, Type.DURATION, "10s", "How long a stop waits for in-flight requests"),
    new Key(HTTP_IDLE_TIMEOUT, Type.DURATION, "2m", "Closes a connection on which nothing was received or "
      + "delivered for this long (live streams' pings count; keep it above `sse.pingInterval`)"),
    new Key(FILES_PORT, Type.PORT, 3001, "Port of the files origin, the second HTTP listener that serves reports, "
      + "traces and other files by signed URL only (0 picks a free one)"),
    new Key(FILES_PUBLIC_URL, Type.ORIGIN, "", "Public origin of the files (e.g. `https://runboard-files.example.com`, "
      + "behind a proxy to `files.port`); empty: the dashboard's host on `files.port`"),
    new Key(FILES_URL_TTL, Type.DURATION, "1h", "How long a signed file URL stays valid (1s to 7d); the dashboard "
      + "asks for fresh ones before they expire"),
    new Key(DB_URL, Type.DB_URL, "", "PostgreSQL URL `postgresql://user:pass@host:5432/db`; empty: embedded PostgreSQL"),
    new Key(DB_USER, Type.STRING, "", "PostgreSQL user (overrides the URL's)"),
    new Key(DB_PASSWORD, Type.STRING, "", "PostgreSQL password (overrides the URL's)"),
    new Key(DB_POOL_SIZE, Type.POSITIVE, 8, "Connections in the reactive pool"),
    new Key(DB_EMBEDDED_PORT, Type.PORT, 0, "Port of the embedded PostgreSQL on 127.0.0.1 (0 picks a free one)"),
    new Key(DATA_DIR, Type.PATH, "./data", "Directory for the embedded database (`<dir>/postgres`) and uploaded files"),
    new Key(METRICS_ENABLED, Type.BOOL, true, "Serve Prometheus metrics on `GET /metrics`"),
    new Key(AUTH_ANONYMOUS_READ, Type.BOOL, false, "Let requests without credentials read (viewer role); "
      + "a presented but invalid credential is still refused"),
    new Key(AUTH_SESSION_IDLE_TIMEOUT, Type.DURATION, "7d", "A session ends after this long without a request"),
    new Key(AUTH_SESSION_MAX_AGE, Type.DURATION, "30d", "A session ends this long after its login, however active"),
    new Key(AUTH_SECURE_COOKIE, Type.BOOL, false, "Mark the session cookie `Secure` (always on when "
      + "`http.publicUrl` is https)"),
    new Key(AUTH_MIN_PASSWORD_LENGTH, Type.POSITIVE, 10, "Minimum length of a password (characters)"),
    new Key(AUTH_HASH_THREADS, Type.COUNT, 0, "Threads that hash passwords (Argon2id, 19 MiB each); 0: half the "
      + "CPU cores, at least 1"),
    new Key(AUTH_HASH_QUEUE, Type.COUNT, 64, "Password hashes that may wait for one of those threads; a login, "
      + "setup or password change beyond that gets 503 with `Retry-After`"),
    new Key(ADMIN_USERNAME, Type.STRING, "", "With `admin.password`: the administrator created at start "
      + "when no user exists yet (unattended installs)"),
    new Key(ADMIN_PASSWORD, Type.STRING, "", "Password of that administrator; set it through the environment"),
    new Key(INGEST_MAX_START_BYTES, Type.SIZE, "1MiB", "Largest `start` or `finish` body"),
    new Key(INGEST_MAX_EVENTS_BYTES, Type.SIZE, "10MiB", "Largest `events` body (at most 1,000 events)"),
    new Key(INGEST_MAX_SUBMIT_BYTES, Type.SIZE, "50MiB", "Largest one-shot `submit` or `import` body"),
    new Key(INGEST_MAX_UPLOAD_BYTES, Type.SIZE, "500MiB", "Largest `upload` or files body; also the most one "
      + "upload's report archives may extract to"),
    new Key(INGEST_MAX_ARCHIVE_ENTRY_BYTES, Type.SIZE, "200MiB", "Largest entry of an uploaded report archive "
      + "(counted while extracting)"),
    new Key(INGEST_MAX_ARCHIVE_ENTRIES, Type.ENTRIES, 20000, "Most entries in one uploaded report archive"),
    new Key(STORAGE_KIND, Type.STORAGE_KIND, "filesystem", "Where uploaded files live: `filesystem` (in "
      + "`storage.dir`; with several nodes, a mount they all share) or `s3` (an S3-compatible object store)"),
    new Key(STORAGE_DIR, Type.OPTIONAL_PATH, "", "Directory for uploaded files; empty: `<data.dir>/files`"),
    new Key(STORAGE_S3_ENDPOINT, Type.URL, "", "S3 endpoint (e.g. `http://minio.internal:9000`); empty: AWS S3 in "
      + "`storage.s3.region`"),
    new Key(STORAGE_S3_BUCKET, Type.BUCKET, "", "Bucket for uploaded files (it must exist); required with "
      + "`storage.kind` `s3`"),
    new Key(STORAGE_S3_REGION, Type.REGION, "us-east-1", "Region that requests are signed for (most "
      + "S3-compatible stores accept any)"),
    new Key(STORAGE_S3_ACCESS_KEY, Type.STRING, "", "Access key id; empty, with an empty secret key: the AWS SDK's "
      + "default credentials (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `~/.aws`, an instance or task role)"),
    new Key(STORAGE_S3_SECRET_KEY, Type.STRING, "", "Secret access key; set it through the environment"),
    new Key(STORAGE_S3_PATH_STYLE, Type.BOOL, true, "Path-style requests (`<endpoint>/<bucket>/<key>`, as MinIO "
      + "and most S3-compatible stores expect); false: virtual-hosted style (`<bucket>.<endpoint host>`)"),
    new Key(STORAGE_S3_PREFIX, Type.KEY_PREFIX, "", "Prefix of every key in the bucket (e.g. `runboard` stores "
      + "`runboard/runs/…`); empty: none"),
    new Key(RUNS_IDLE_TIMEOUT, Type.DURATION, "1h", "A running run that receives nothing for this long is "
      + "interrupted"),
    new Key(RUNS_SWEEP_INTERVAL, Type.DURATION, "5m", "How often each node looks for such stuck runs"),
    new Key(RUNS_FILES_GRACE, Type.DURATION, "24h", "How long after a streamed run ended its stream token (or "
      + "reporter credentials) may still attach files to it, e.g. files whose answers were lost, sent by `flush`"),
    new Key(RETENTION_RUNS_DAYS, Type.DAYS, 0, "Delete runs that started more than this many days ago "
      + "(pinned and running runs excepted); 0: keep forever. Projects may override it"),
    new Key(RETENTION_KEEP_RUNS, Type.KEEP_COUNT, 0, "Keep only each project's newest this-many runs (pinned runs "
      + "besides); 0: no limit. Projects may override it"),
    new Key(RETENTION_FILES_DAYS, Type.DAYS, 0, "Remove the files (reports, traces, screenshots, videos) of runs "
      + "that started more than this many days ago, keeping their results; 0: as long as the run. Projects may "
      + "override it"),
    new Key(RETENTION_INTERVAL, Type.DURATION, "1h", "How often each node runs the retention job (first pass one "
      + "minute after start, or sooner when the interval is shorter)"),
    new Key(RETENTION_BATCH_SIZE, Type.POSITIVE, 10, "Runs deleted (or whose files are removed) per transaction "
      + "by the retention job"),
    new Key(RETENTION_BUSY_PERCENT, Type.PERCENT, 20, "Share of its time the retention job keeps its database "
      + "connection busy: after a batch that took t it waits t × (100 − this) / this before the next; "
      + "100: no pause"),
    new Key(CLUSTER_ENABLED, Type.BOOL, false, "Join other nodes on a clustered event bus (Hazelcast)"),
    new Key(CLUSTER_NAME, Type.NAME, "runboard", "Cluster name; only nodes with the same name join"),
    new Key(CLUSTER_HOST, Type.HOST, "127.0.0.1", "This node's address for cluster and event-bus traffic"),
    new Key(CLUSTER_PORT, Type.PORT, 5701, "Hazelcast member port (the next free one is taken if busy)"),
    new Key(CLUSTER_MEMBERS, Type.MEMBERS, "127.0.0.1", "Comma-separated addresses (`host` or `host:port`) of "
      + "nodes to join"),
    new Key(SSE_PING_INTERVAL, Type.DURATION, "15s", "Interval of `: ping` comments on live streams"),
    new Key(SSE_MAX_CONNECTIONS, Type.CONNECTIONS, 10000, "Open live streams per node; more get 503"),
    new Key(SSE_MAX_QUEUED_BYTES, Type.SIZE, "1MiB", "Bytes a slow live-stream client may have queued before "
      + "it is disconnected (it then resumes with `Last-Event-ID`)"),
    new Key(WEBHOOKS_ALLOW_PRIVATE, Type.BOOL, false, "Let webhooks reach private, loopback and link-local addresses "
      + "(receivers on an internal network); off, such URLs are refused"),
    new Key(WEBHOOKS_CONNECT_TIMEOUT, Type.DURATION, "5s", "How long a webhook delivery may take to connect"),
    new Key(WEBHOOKS_TIMEOUT, Type.DURATION, "10s", "How long one webhook delivery attempt may take in all "
      + "(name lookup, connect, response)"),
    new Key(WEBHOOKS_RETRY_DELAY, Type.DURATION, "30s", "Wait before the first retry of a failed webhook delivery; "
      + "it doubles with each retry"),
    new Key(WEBHOOKS_MAX_RETRY_DELAY, Type.DURATION, "1h", "Longest wait between two retries of a webhook delivery"),
    new Key(WEBHOOKS_RETRY_FOR, Type.DURATION, "1d", "A webhook delivery still failing this long after it was "
      + "queued is given up (`failed`); also how far back the scan for missed run endings looks"),
    new Key(WEBHOOKS_POLL_INTERVAL, Type.DURATION, "5s", "How often each node looks for webhook deliveries due "
      + "for a retry"),
    new Key(WEBHOOKS_SCAN_INTERVAL, Type.DURATION, "1m", "How often each node looks for run endings whose "
      + "webhooks no node handled (e.g. all were down)"),
    new Key(SSE_MAX_STREAMS_PER_USER, Type.CONNECTIONS, 20, "Open live streams (run streams and `/api/stream` "
      + "together) per user on a node, or per client address for anonymous readers; more get 429"),
    new Key(SSE_STALL_TIMEOUT, Type.DURATION, "10s", "A live-stream client that takes nothing of the `init` or "
      + "replay being sent to it for this long is disconnected")
  );

  private final JsonObject json;

  private AppConfig(JsonObject json) {
    this.json = json;
  }

  /** Loads file, environment and system properties over the defaults, and validates the result. */
  public static AppConfig load(Map<String, String> env, Properties sysProps) {
    Path file = configFile(env, sysProps);
    Map<String, Source> raw = new LinkedHashMap<>();
    if (file != null) {
      readFile(file).forEach((k, v) -> raw.put(k, new Source(v, "config file " + file)));
    }
    for (Key key : KEYS) {
      String envValue = env.get(key.envName());
      if (envValue != null) {
        raw.put(key.name(), new Source(envValue, "env " + key.envName()));
      }
      String propValue = sysProps.getProperty(SYSPROP_PREFIX + key.name());
      if (propValue != null) {
        raw.put(key.name(), new Source(propValue, "system property " + SYSPROP_PREFIX + key.name()));
      }
    }
    return validate(raw);
  }

  /** Defaults overlaid with {@code overrides} (dotted keys), validated: for tests and embedding. */
  public static AppConfig of(JsonObject overrides) {
    Map<String, Source> raw = new LinkedHashMap<>();
    overrides.forEach(e -> raw.put(e.getKey(), new Source(e.getValue(), "overrides")));
    return validate(raw);
  }

  /** Re-reads a normalised config handed to a verticle (already validated). */
  public static AppConfig from(JsonObject normalised) {
    return new AppConfig(normalised.copy());
  }

  /** A copy with some normalised values replaced (for example the resolved database URL). */
  public AppConfig with(String key, Object value) {
    return new AppConfig(json.copy().put(key, value));
  }

  public JsonObject json() {
    return json.copy();
  }

  public String httpHost() {
    return json.getString(HTTP_HOST);
  }

  public int httpPort() {
    return json.getInteger(HTTP_PORT);
  }

  public String publicUrl() {
    return json.getString(HTTP_PUBLIC_URL);
  }

  public int httpInstances() {
    int configured = json.getInteger(HTTP_INSTANCES);
    return configured == 0 ? Runtime.getRuntime().availableProcessors() : configured;
  }

  public long shutdownTimeoutMs() {
    return json.getLong(HTTP_SHUTDOWN_TIMEOUT);
  }

  public long idleTimeoutMs() {
    return json.getLong(HTTP_IDLE_TIMEOUT);
  }

  public int filesPort() {
    return json.getInteger(FILES_PORT);
  }

  /** {@code files.publicUrl} (an origin without a trailing slash), or empty. */
  public String filesPublicUrl() {
    return json.getString(FILES_PUBLIC_URL);
  }

  public long fileUrlTtlMs() {
    return json.getLong(FILES_URL_TTL);
  }

  public String dbUrl() {
    return json.getString(DB_URL);
  }

  public boolean embeddedDatabase() {
    return dbUrl().isEmpty();
  }

  public String dbUser() {
    return json.getString(DB_USER);
  }

  public String dbPassword() {
    return json.getString(DB_PASSWORD);
  }

  public int dbPoolSize() {
    return json.getInteger(DB_POOL_SIZE);
  }

  public int embeddedDbPort() {
    return json.getInteger(DB_EMBEDDED_PORT);
  }

  public Path dataDir() {
    return Path.of(json.getString(DATA_DIR));
  }

  public long maxStartBytes() {
    return json.getLong(INGEST_MAX_START_BYTES);
  }

  public long maxEventsBytes() {
    return json.getLong(INGEST_MAX_EVENTS_BYTES);
  }

  public long maxSubmitBytes() {
    return json.getLong(INGEST_MAX_SUBMIT_BYTES);
  }

  public long maxUploadBytes() {
    return json.getLong(INGEST_MAX_UPLOAD_BYTES);
  }

  public long maxArchiveEntryBytes() {
    return json.getLong(INGEST_MAX_ARCHIVE_ENTRY_BYTES);
  }

  public int maxArchiveEntries() {
    return json.getInteger(INGEST_MAX_ARCHIVE_ENTRIES);
  }

  /** {@code storage.dir}, or {@code <data.dir>/files} when it is empty. */
  public Path storageDir() {
    String dir = json.getString(STORAGE_DIR);
    return dir.isEmpty() ? dataDir().resolve("files") : Path.of(dir);
  }

  /** {@code storage.kind}: {@code filesystem} or {@code s3}. */
  public String storageKind() {
    return json.getString(STORAGE_KIND);
  }

  public String s3Endpoint() {
    return json.getString(STORAGE_S3_ENDPOINT);
  }

  public String s3Bucket() {
    return json.getString(STORAGE_S3_BUCKET);
  }

  public String s3Region() {
    return json.getString(STORAGE_S3_REGION);
  }

  public String s3AccessKey() {
    return json.getString(STORAGE_S3_ACCESS_KEY);
  }

  public String s3SecretKey() {
    return json.getString(STORAGE_S3_SECRET_KEY);
  }

  public boolean s3PathStyle() {
    return json.getBoolean(STORAGE_S3_PATH_STYLE);
  }

  /** {@code storage.s3.prefix} without leading or trailing slashes; empty for none. */
  public String s3Prefix() {
    return json.getString(STORAGE_S3_PREFIX);
  }

  public long runIdleTimeoutMs() {
    return json.getLong(RUNS_IDLE_TIMEOUT);
  }

  public long sweepIntervalMs() {
    return json.getLong(RUNS_SWEEP_INTERVAL);
  }

  public long filesGraceMs() {
    return json.getLong(RUNS_FILES_GRACE);
  }

  public int retentionRunsDays() {
    return json.getInteger(RETENTION_RUNS_DAYS);
  }

  public int retentionKeepRuns() {
    return json.getInteger(RETENTION_KEEP_RUNS);
  }

  public int retentionFilesDays() {
    return json.getInteger(RETENTION_FILES_DAYS);
  }

  public long retentionIntervalMs() {
    return json.getLong(RETENTION_INTERVAL);
  }

  public int retentionBatchSize() {
    return json.getInteger(RETENTION_BATCH_SIZE);
  }

  public int retentionBusyPercent() {
    return json.getInteger(RETENTION_BUSY_PERCENT);
  }

  public boolean clusterEnabled() {
    return json.getBoolean(CLUSTER_ENABLED);
  }

  public String clusterName() {
    return json.getString(CLUSTER_NAME);
  }

  public String clusterHost() {
    return json.getString(CLUSTER_HOST);
  }

  public int clusterPort() {
    return json.getInteger(CLUSTER_PORT);
  }

  public List<String> clusterMembers() {
    return java.util.Arrays.stream(json.getString(CLUSTER_MEMBERS).split(",")).map(String::trim)
      .filter(s -> !s.isEmpty()).toList();
  }

  public long ssePingIntervalMs() {
    return json.getLong(SSE_PING_INTERVAL);
  }

  public int sseMaxConnections() {
    return json.getInteger(SSE_MAX_CONNECTIONS);
  }

  public long sseMaxQueuedBytes() {
    return json.getLong(SSE_MAX_QUEUED_BYTES);
  }

  public boolean webhooksAllowPrivate() {
    return json.getBoolean(WEBHOOKS_ALLOW_PRIVATE);
  }

  public long webhookConnectTimeoutMs() {
    return json.getLong(WEBHOOKS_CONNECT_TIMEOUT);
  }

  public long webhookTimeoutMs() {
    return json.getLong(WEBHOOKS_TIMEOUT);
  }

  public long webhookRetryDelayMs() {
    return json.getLong(WEBHOOKS_RETRY_DELAY);
  }

  public long webhookMaxRetryDelayMs() {
    return json.getLong(WEBHOOKS_MAX_RETRY_DELAY);
  }

  public long webhookRetryForMs() {
    return json.getLong(WEBHOOKS_RETRY_FOR);
  }

  public long webhookPollIntervalMs() {
    return json.getLong(WEBHOOKS_POLL_INTERVAL);
  }

  public long webhookScanIntervalMs() {
    return json.getLong(WEBHOOKS_SCAN_INTERVAL);
  }

  public int sseMaxStreamsPerUser() {
    return json.getInteger(SSE_MAX_STREAMS_PER_USER);
  }

  public long sseStallTimeoutMs() {
    return json.getLong(SSE_STALL_TIMEOUT);
  }

  public boolean metricsEnabled() {
    return json.getBoolean(METRICS_ENABLED);
  }

  public boolean anonymousRead() {
    return json.getBoolean(AUTH_ANONYMOUS_READ);
  }

  public long sessionIdleTimeoutMs() {
    return json.getLong(AUTH_SESSION_IDLE_TIMEOUT);
  }

  public long sessionMaxAgeMs() {
    return json.getLong(AUTH_SESSION_MAX_AGE);
  }

  /** {@code auth.secureCookie}, or implied by an https {@code http.publicUrl}. */
  public boolean secureCookie() {
    return json.getBoolean(AUTH_SECURE_COOKIE) || publicUrl().startsWith("https://");
  }

  public int minPasswordLength() {
    return json.getInteger(AUTH_MIN_PASSWORD_LENGTH);
  }

  /** {@code auth.hashThreads}, or half the cores (at least one) when it is 0. */
  public int hashThreads() {
    int configured = json.getInteger(AUTH_HASH_THREADS);
    return configured == 0 ? Math.max(1, Runtime.getRuntime().availableProcessors() / 2) : configured;
  }

  public int hashQueue() {
    return json.getInteger(AUTH_HASH_QUEUE);
  }

  public String adminUsername() {
    return json.getString(ADMIN_USERNAME);
  }

  public String adminPassword() {
    return json.getString(ADMIN_PASSWORD);
  }

  private static Path configFile(Map<String, String> env, Properties sysProps) {
    String named = sysProps.getProperty(CONFIG_FILE_SYSPROP, env.get(CONFIG_FILE_ENV));
    if (named != null && !named.isBlank()) {
      Path path = Path.of(named);
      if (!Files.isReadable(path)) {
        throw new ConfigException("config file " + path + " (from " + CONFIG_FILE_ENV + ") cannot be read");
      }
      return path;
    }
    return Files.isReadable(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null;
  }

  /** Reads a nested JSON file into dotted keys; unknown keys are an error so that typos do not pass silently. */
  private static Map<String, Object> readFile(Path file) {
    JsonObject root;
    try {
      root = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("config file " + file + " is not a JSON object");
    }
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", root, flat);
    for (String name : flat.keySet()) {
      if (KEYS.stream().noneMatch(k -> k.name().equals(name))) {
        throw new ConfigException("unknown config key " + name + " in " + file);
      }
    }
    return flat;
  }

  private static void flatten(String prefix, JsonObject object, Map<String, Object> into) {
    for (Map.Entry<String, Object> e : object) {
      String name = prefix + e.getKey();
      if (e.getValue() instanceof JsonObject nested && KEYS.stream().noneMatch(k -> k.name().equals(name))) {
        flatten(name + ".", nested, into);
      } else {
        into.put(name, e.getValue());
      }
    }
  }

  private static AppConfig validate(Map<String, Source> raw) {
    for (String name : raw.keySet()) {
      if (KEYS.stream().noneMatch(k -> k.name().equals(name))) {
        throw new ConfigException("unknown config key " + name + " (" + raw.get(name).origin() + ")");
      }
    }
    JsonObject json = new JsonObject();
    for (Key key : KEYS) {
      Source source = raw.getOrDefault(key.name(), new Source(key.defaultValue(), "default"));
      try {
        json.put(key.name(), key.type().normalise(source.value()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key.name() + " (" + source.origin() + ") " + e.getMessage()
          + ", got '" + source.value() + "'");
      }
    }
    checkAdministrator(json, raw);
    checkFiles(json, raw);
    checkS3(json, raw);
    return new AppConfig(json);
  }

  /** The unattended administrator needs both a name and a password long enough; the password is never echoed. */
  private static void checkAdministrator(JsonObject json, Map<String, Source> raw) {
    String username = json.getString(ADMIN_USERNAME);
    String password = json.getString(ADMIN_PASSWORD);
    String usernameOrigin = raw.containsKey(ADMIN_USERNAME) ? raw.get(ADMIN_USERNAME).origin() : "default";
    String passwordOrigin = raw.containsKey(ADMIN_PASSWORD) ? raw.get(ADMIN_PASSWORD).origin() : "default";
    if (username.isEmpty() && password.isEmpty()) {
      return;
    }
    if (password.isEmpty()) {
      throw new ConfigException(ADMIN_PASSWORD + " (" + passwordOrigin + ") must be set when " + ADMIN_USERNAME
        + " is, got ''");
    }
    if (username.isBlank() || username.length() > 100 || username.chars().anyMatch(Character::isISOControl)) {
      throw new ConfigException(ADMIN_USERNAME + " (" + usernameOrigin + ") must be 1 to 100 characters without "
        + "control characters when " + ADMIN_PASSWORD + " is set, got '" + username + "'");
    }
    if (password.length() < json.getInteger(AUTH_MIN_PASSWORD_LENGTH)) {
      throw new ConfigException(ADMIN_PASSWORD + " (" + passwordOrigin + ") must have at least "
        + json.getInteger(AUTH_MIN_PASSWORD_LENGTH) + " characters (" + AUTH_MIN_PASSWORD_LENGTH + "), got a "
        + password.length() + "-character value");
    }
  }

  /** The files origin needs a port of its own, and URLs valid between a second and a week. */
  private static void checkFiles(JsonObject json, Map<String, Source> raw) {
    int port = json.getInteger(FILES_PORT);
    if (port != 0 && port == json.getInteger(HTTP_PORT)) {
      throw new ConfigException(FILES_PORT + " (" + originOf(raw, FILES_PORT) + ") must differ from " + HTTP_PORT
        + ": files are served on an origin of their own, got '" + port + "'");
    }
    long ttl = json.getLong(FILES_URL_TTL);
    if (ttl < MIN_FILE_URL_TTL_MS || ttl > MAX_FILE_URL_TTL_MS) {
      throw new ConfigException(FILES_URL_TTL + " (" + originOf(raw, FILES_URL_TTL) + ") must be from 1s to 7d, got '"
        + (raw.containsKey(FILES_URL_TTL) ? raw.get(FILES_URL_TTL).value() : ttl) + "'");
    }
  }

  /** S3 storage needs a bucket; credentials come as a pair or not at all. The secret key is never echoed. */
  private static void checkS3(JsonObject json, Map<String, Source> raw) {
    if ("s3".equals(json.getString(STORAGE_KIND)) && json.getString(STORAGE_S3_BUCKET).isEmpty()) {
      throw new ConfigException(STORAGE_S3_BUCKET + " (" + originOf(raw, STORAGE_S3_BUCKET) + ") must be set when "
        + STORAGE_KIND + " is s3, got ''");
    }
    boolean accessKey = !json.getString(STORAGE_S3_ACCESS_KEY).isEmpty();
    boolean secretKey = !json.getString(STORAGE_S3_SECRET_KEY).isEmpty();
    if (accessKey && !secretKey) {
      throw new ConfigException(STORAGE_S3_SECRET_KEY + " (" + originOf(raw, STORAGE_S3_SECRET_KEY) + ") must be set "
        + "when " + STORAGE_S3_ACCESS_KEY + " is, got ''");
    }
    if (secretKey && !accessKey) {
      throw new ConfigException(STORAGE_S3_ACCESS_KEY + " (" + originOf(raw, STORAGE_S3_ACCESS_KEY) + ") must be set "
        + "when " + STORAGE_S3_SECRET_KEY + " is, got ''");
    }
  }

  private static String originOf(Map<String, Source> raw, String key) {
    return raw.containsKey(key) ? raw.get(key).origin() : "default";
  }

  private record Source(Object value, String origin) {
  }

  /** One configuration key: its dotted name, type, default and the sentence the README shows. */
  public record Key(String name, Type type, Object defaultValue, String description) {

    /** {@code http.publicUrl} → {@code RUNBOARD_HTTP_PUBLIC_URL}. */
    public String envName() {
      return ENV_PREFIX + name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
    }
  }

  /** Value types; {@link #normalise} throws {@link IllegalArgumentException} saying what was expected. */
  public enum Type {
    STRING(Type::string),
    HOST(v -> matching(v, "[A-Za-z0-9.:\\-\\[\\]]+", "must be a host name or IP address")),
    NAME(v -> matching(v, "[A-Za-z0-9._-]{1,64}", "must be 1 to 64 letters, digits, '.', '_' or '-'")),
    MEMBERS(Type::members),
    PORT(v -> integer(v, 0, 65_535, "must be an integer port from 0 to 65535")),
    COUNT(v -> integer(v, 0, 1_024)),
    POSITIVE(v -> integer(v, 1, 1_024)),
    CONNECTIONS(v -> integer(v, 1, 1_000_000)),
    ENTRIES(v -> integer(v, 1, 10_000_000)),
    DAYS(v -> integer(v, 0, 36_500, "must be a number of days from 0 to 36500 (0: no limit)")),
    KEEP_COUNT(v -> integer(v, 0, 1_000_000, "must be a number of runs from 0 to 1000000 (0: no limit)")),
    PERCENT(v -> integer(v, 1, 100, "must be a percentage from 1 to 100")),
    BOOL(Type::bool),
    DURATION(Type::parseDuration),
    SIZE(Type::parseSize),
    URL(Type::url),
    ORIGIN(Type::origin),
    DB_URL(Type::dbUrl),
    PATH(Type::path),
    OPTIONAL_PATH(v -> String.valueOf(v).trim().isEmpty() ? "" : path(v)),
    STORAGE_KIND(v -> matching(v, "filesystem|s3", "must be filesystem or s3")),
    BUCKET(v -> String.valueOf(v).trim().isEmpty() ? "" : matching(v, "[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]",
      "must be a bucket name: 3 to 63 letters, digits, '.', '_' or '-'")),
    REGION(v -> matching(v, "[A-Za-z0-9_-]{1,64}", "must be a region name such as us-east-1")),
    KEY_PREFIX(Type::keyPrefix);

    private static final Pattern SIZE_PATTERN = Pattern.compile("(\\d{1,11})\\s*(KiB|MiB|GiB)?");
    private static final Pattern DURATION_PATTERN = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)?");
    private static final String URL_EXPECTED = "must be an http(s) URL such as https://runboard.example.com";

    private final Function<Object, Object> normaliser;

    Type(Function<Object, Object> normaliser) {
      this.normaliser = normaliser;
    }

    Object normalise(Object value) {
      return normaliser.apply(value);
    }

    private static Object string(Object value) {
      if (value instanceof String s) {
        return s;
      }
      throw new IllegalArgumentException("must be a string");
    }

    private static Object matching(Object value, String regex, String expected) {
      String s = String.valueOf(value).trim();
      if (!s.matches(regex)) {
        throw new IllegalArgumentException(expected);
      }
      return s;
    }

    /** Comma-separated {@code host} or {@code host:port} entries. */
    private static Object members(Object value) {
      String s = String.valueOf(value).trim();
      for (String member : s.split(",")) {
        String m = member.trim();
        int colon = m.lastIndexOf(':');
        boolean withPort = colon > 0 && m.indexOf(':') == colon;
        String host = withPort ? m.substring(0, colon) : m;
        boolean portOk = !withPort || m.substring(colon + 1).matches("\\d{1,5}");
        if (!host.matches("[A-Za-z0-9.\\-\\[\\]:]+") || !portOk) {
          throw new IllegalArgumentException("must be comma-separated host or host:port entries");
        }
      }
      return s;
    }

    private static Object bool(Object value) {
      if (value instanceof Boolean b) {
        return b;
      }
      String s = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
      if (s.equals("true") || s.equals("false")) {
        return Boolean.parseBoolean(s);
      }
      throw new IllegalArgumentException("must be true or false");
    }

    private static Object url(Object value) {
      String s = String.valueOf(value).trim();
      if (s.isEmpty()) {
        return "";
      }
      try {
        URI uri = new URI(s);
        if ((!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) || uri.getHost() == null) {
          throw new IllegalArgumentException(URL_EXPECTED);
        }
        return s.replaceAll("/+$", "");
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(URL_EXPECTED);
      }
    }

    /** An http(s) URL with nothing after its host and port (a trailing slash is dropped): an origin. */
    private static Object origin(Object value) {
      String s = String.valueOf(value).trim();
      String expected = "must be an http(s) origin such as https://runboard-files.example.com (no path, query or "
        + "user)";
      if (s.isEmpty()) {
        return "";
      }
      try {
        URI uri = new URI(s);
        boolean plain = uri.getRawUserInfo() == null && uri.getRawQuery() == null && uri.getRawFragment() == null
          && (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"));
        if ((!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) || uri.getHost() == null || !plain) {
          throw new IllegalArgumentException(expected);
        }
        return s.replaceAll("/$", "");
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(expected);
      }
    }

    private static Object dbUrl(Object value) {
      String s = String.valueOf(value).trim();
      if (!s.isEmpty()) {
        DatabaseUrl.parse(s);
      }
      return s;
    }

    private static Object path(Object value) {
      String s = String.valueOf(value).trim();
      if (s.isEmpty() || s.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("must be a directory path");
      }
      try {
        return Path.of(s).toString();
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("must be a directory path");
      }
    }

    /** Slash-separated segments of letters, digits, {@code . _ -} (not {@code .} or {@code ..}), outer slashes dropped. */
    private static Object keyPrefix(Object value) {
      String s = String.valueOf(value).trim().replaceAll("^/+|/+$", "");
      if (s.isEmpty()) {
        return "";
      }
      for (String segment : s.split("/", -1)) {
        if (!segment.matches("[A-Za-z0-9._-]{1,100}") || segment.equals(".") || segment.equals("..")) {
          throw new IllegalArgumentException("must be a key prefix such as runboard or teams/web: segments of "
            + "letters, digits, '.', '_' or '-' separated by '/'");
        }
      }
      if (s.length() > 200) {
        throw new IllegalArgumentException("must be a key prefix of at most 200 characters");
      }
      return s;
    }

    static int integer(Object value, int min, int max) {
      return integer(value, min, max, "must be an integer from " + min + " to " + max);
    }

    static int integer(Object value, int min, int max, String expected) {
      long n;
      if (value instanceof Number number) {
        if (number.doubleValue() != Math.rint(number.doubleValue())) {
          throw new IllegalArgumentException(expected);
        }
        n = number.longValue();
      } else {
        try {
          n = Long.parseLong(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(expected);
        }
      }
      if (n < min || n > max) {
        throw new IllegalArgumentException(expected);
      }
      return (int) n;
    }

    /** {@code 512KiB}, {@code 10MiB}, {@code 1GiB}, or a number of bytes; at least 1 KiB, at most 64 GiB. */
    static long parseSize(Object value) {
      String expected = "must be a size such as 512KiB, 10MiB or 1GiB (at least 1KiB, at most 64GiB)";
      long bytes;
      if (value instanceof Number number) {
        bytes = number.longValue();
      } else {
        Matcher m = SIZE_PATTERN.matcher(String.valueOf(value).trim());
        if (!m.matches()) {
          throw new IllegalArgumentException(expected);
        }
        long unit = switch (m.group(2) == null ? "" : m.group(2)) {
          case "KiB" -> 1L << 10;
          case "MiB" -> 1L << 20;
          case "GiB" -> 1L << 30;
          default -> 1L;
        };
        bytes = Long.parseLong(m.group(1)) * unit;
      }
      if (bytes < 1024 || bytes > (64L << 30)) {
        throw new IllegalArgumentException(expected);
      }
      return bytes;
    }

    /** {@code 250ms}, {@code 15s}, {@code 5m}, {@code 1h}, {@code 2d}, or a number of milliseconds; at least 1 ms. */
    static long parseDuration(Object value) {
      String expected = "must be a positive duration such as 500ms, 15s, 5m, 1h or 2d";
      if (value instanceof Number number) {
        if (number.longValue() <= 0 || number.doubleValue() != Math.rint(number.doubleValue())) {
          throw new IllegalArgumentException(expected);
        }
        return number.longValue();
      }
      Matcher m = DURATION_PATTERN.matcher(String.valueOf(value).trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new IllegalArgumentException(expected);
      }
      long amount = Long.parseLong(m.group(1));
      long unitMs = switch (m.group(2) == null ? "ms" : m.group(2)) {
        case "s" -> 1_000L;
        case "m" -> 60_000L;
        case "h" -> 3_600_000L;
        case "d" -> 86_400_000L;
        default -> 1L;
      };
      if (amount <= 0 || amount > Long.MAX_VALUE / unitMs) {
        throw new IllegalArgumentException(expected);
      }
      return amount * unitMs;
    }
  }
}
