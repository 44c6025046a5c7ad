package dev.runboard.store;

import dev.runboard.config.AppConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.MimeMapping;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@link FileStorage} in a bucket of an S3-compatible object store ({@code storage.s3.*}): every file is one
 * object, keyed {@code [<storage.s3.prefix>/]<storage path>}, and an extracted archive's entries are objects under
 * its folder ({@code runs/<runId>/reports/<id>/<entry path>}). Every node that uses the same bucket and prefix
 * serves every file.
 *
 * <p>The AWS SDK's synchronous client runs on a worker pool of its own ({@value #WORKER_POOL}, {@value #THREADS}
 * threads), never on an event loop. Files above {@value #PART_BYTES} bytes go up as multipart uploads, each part
 * streamed from its slice of the local file; an archive's entries go up {@value #UPLOAD_LANES} at a time. Reads
 * are ranged GETs whose bodies are handed out by {@link BlockingReadStream} chunk by chunk, on demand. Deleting a
 * run lists its prefix and deletes in batches of 1,000. A store that cannot be reached, or answers 5xx, fails with
 * {@link StorageUnavailableException}.
 */
public final class S3Storage implements FileStorage {

  static final long PART_BYTES = 16L * 1024 * 1024;
  static final String WORKER_POOL = "runboard-s3";
  static final int THREADS = 16;
  static final int UPLOAD_LANES = 8;
  private static final int DELETE_BATCH = 1_000;
  private static final Logger logger = LoggerFactory.getLogger(S3Storage.class);

  private final Vertx vertx;
  private final S3Client client;
  private final String bucket;
  private final String prefix;
  private final String description;
  private final WorkerExecutor worker;
  private volatile boolean batchDeletes = true;

  S3Storage(Vertx vertx, S3Client client, String bucket, String prefix, String description) {
    this.vertx = vertx;
    this.client = client;
    this.bucket = bucket;
    this.prefix = prefix.isEmpty() ? "" : prefix + "/";
    this.description = description;
    // Long-running tasks (a 200 MiB upload on a slow link) are expected here: warn only after 10 minutes.
    this.worker = vertx.createSharedWorkerExecutor(WORKER_POOL, THREADS, 10, TimeUnit.MINUTES);
  }

  /** The storage that {@code storage.s3.*} describes. */
  static S3Storage create(Vertx vertx, AppConfig config) {
    S3ClientBuilder builder = S3Client.builder()
      .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
        .socketTimeout(Duration.ofSeconds(60)))
      .region(Region.of(config.s3Region()))
      .forcePathStyle(config.s3PathStyle())
      .credentialsProvider(credentials(config))
      // S3-compatible stores do not all know the newer default checksums: send and check them only when the
      // operation requires it, and with Content-MD5 where S3 used to require it (DeleteObjects).
      .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
      .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
      .addPlugin(LegacyMd5Plugin.create());
    if (!config.s3Endpoint().isEmpty()) {
      builder.endpointOverride(URI.create(config.s3Endpoint()));
    }
    String where = "bucket " + config.s3Bucket() + (config.s3Prefix().isEmpty() ? "" : " (prefix "
      + config.s3Prefix() + "/)") + " at " + (config.s3Endpoint().isEmpty() ? "AWS S3 " + config.s3Region()
      : config.s3Endpoint());
    return new S3Storage(vertx, builder.build(), config.s3Bucket(), config.s3Prefix(), where);
  }

  private static AwsCredentialsProvider credentials(AppConfig config) {
    if (config.s3AccessKey().isEmpty()) {
      return DefaultCredentialsProvider.builder().build();
    }
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(config.s3AccessKey(), config.s3SecretKey()));
  }

  @Override
  public Future<Void> start(ClusterManager cluster) {
    return blocking(() -> {
      client.headBucket(b -> b.bucket(bucket));
      return null;
    }).<Void>mapEmpty().recover(e -> Future.failedFuture(new StorageUnavailableException("File storage " + description
      + " cannot be used: " + reason(e) + ". Check storage.s3.endpoint, storage.s3.bucket and the credentials.", e)))
      .onSuccess(v -> logger.info("File storage: S3 {}", description));
  }

  @Override
  public Future<Void> stop() {
    Future<Void> closed = worker.executeBlocking(() -> {
      client.close();
      return null;
    }, false);
    return closed.eventually(worker::close).otherwiseEmpty();
  }

  @Override
  public Future<Void> put(StoredArtifact artifact, Path source) {
    String key = prefix + artifact.storagePath();
    if (!artifact.archive()) {
      return blocking(() -> {
        upload(key, source, artifact.contentType());
        Files.deleteIfExists(source);
        return null;
      });
    }
    return blocking(() -> {
      try (Stream<Path> all = Files.walk(source)) {
        return all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
      }
    }).compose(files -> {
      Queue<Path> queue = new ConcurrentLinkedQueue<>(files);
      List<Future<Void>> lanes = IntStream.range(0, Math.min(UPLOAD_LANES, files.size()))
        .mapToObj(i -> uploadNext(queue, key + "/", source)).toList();
      return Future.join(lanes).<Void>mapEmpty().recover(e -> Future.failedFuture(failedLane(lanes)));
    }).compose(v -> blocking(() -> {
      FilesystemStorage.deleteTree(source);
      return null;
    }));
  }

  /** One of {@link #UPLOAD_LANES} sequences that take entries from the queue until it is empty or one fails. */
  private Future<Void> uploadNext(Queue<Path> queue, String folderKey, Path folder) {
    Path file = queue.poll();
    if (file == null) {
      return Future.succeededFuture();
    }
    String name = folder.relativize(file).toString().replace('\\', '/');
    return blocking(() -> {
      upload(folderKey + name, file, MimeMapping.mimeTypeForFilename(name));
      return null;
    }).transform(done -> {
      if (done.failed()) {
        queue.clear();
        return Future.failedFuture(done.cause());
      }
      return uploadNext(queue, folderKey, folder);
    });
  }

  private static Throwable failedLane(List<Future<Void>> lanes) {
    return lanes.stream().filter(Future::failed).map(Future::cause).findFirst().orElseThrow();
  }

  /** One file: a single PUT up to {@link #PART_BYTES}, a multipart upload above, streamed from the disk either way. */
  private void upload(String key, Path file, String contentType) throws IOException {
    long size = Files.size(file);
    String type = contentType == null ? "application/octet-stream" : contentType;
    if (size <= PART_BYTES) {
      client.putObject(b -> b.bucket(bucket).key(key).contentType(type).contentLength(size),
        RequestBody.fromFile(file));
      return;
    }
    String uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(type)).uploadId();
    try {
      List<CompletedPart> parts = new ArrayList<>();
      for (long offset = 0; offset < size; offset += PART_BYTES) {
        int number = parts.size() + 1;
        long start = offset;
        long length = Math.min(PART_BYTES, size - offset);
        String etag = client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number)
            .contentLength(length),
          RequestBody.fromContentProvider(() -> slice(file, start, length), length, "application/octet-stream"))
          .eTag();
        parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
      }
      client.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
        .multipartUpload(m -> m.parts(parts)));
    } catch (RuntimeException e) {
      try {
        client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
      } catch (RuntimeException abortFailed) {
        e.addSuppressed(abortFailed);
      }
      throw e;
    }
  }

  /** The bytes {@code [offset, offset + length)} of a file, read from the disk as they are sent. */
  private static InputStream slice(Path file, long offset, long length) {
    try {
      InputStream in = Files.newInputStream(file);
      in.skipNBytes(offset);
      return new FilterInputStream(in) {
        private long left = length;

        @Override
        public int read() throws IOException {
          if (left <= 0) {
            return -1;
          }
          int b = super.read();
          if (b >= 0) {
            left--;
          }
          return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
          if (left <= 0) {
            return -1;
          }
          int n = super.read(buffer, off, (int) Math.min(len, left));
          if (n > 0) {
            left -= n;
          }
          return n;
        }

        @Override
        public long skip(long n) throws IOException {
          long skipped = super.skip(Math.min(n, left));
          left -= skipped;
          return skipped;
        }

        @Override
        public int available() throws IOException {
          return (int) Math.min(super.available(), left);
        }

        @Override
        public boolean markSupported() {
          return false;
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Future<Void> remove(StoredArtifact artifact) {
    String key = prefix + artifact.storagePath();
    if (artifact.archive()) {
      return blocking(() -> deletePrefix(key + "/")).mapEmpty();
    }
    return blocking(() -> {
      client.deleteObject(b -> b.bucket(bucket).key(key));
      return null;
    });
  }

  @Override
  public Future<Void> removeRun(long runId) {
    return blocking(() -> deletePrefix(prefix + "runs/" + runId + "/")).mapEmpty();
  }

  /**
   * Deletes every object under a prefix: lists them all first, then deletes in batches of 1,000. A store that
   * refuses batch deletes (the SDK sends them with a CRC32 checksum header that not every S3-compatible store
   * knows) gets single deletes from then on. Returns the count.
   */
  private int deletePrefix(String keyPrefix) {
    List<String> keys = new ArrayList<>();
    for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(keyPrefix)).contents()) {
      keys.add(object.key());
    }
    // Deepest first: a folder marker ("a/b/", as some stores list their folders) after what it holds.
    keys.sort(Comparator.reverseOrder());
    for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
      List<String> batch = keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH));
      if (!batchDeletes || !deleteBatch(keyPrefix, batch)) {
        batch.forEach(key -> client.deleteObject(b -> b.bucket(bucket).key(key)));
      }
    }
    return keys.size();
  }

  /** One DeleteObjects request; false when the store does not implement it. */
  private boolean deleteBatch(String keyPrefix, List<String> keys) {
    DeleteObjectsResponse response;
    try {
      List<ObjectIdentifier> objects = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
      response = client.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(objects).quiet(true)));
    } catch (S3Exception e) {
      if (e.statusCode() != 501 && e.statusCode() != 400) {
        throw e;
      }
      batchDeletes = false;
      logger.warn("File storage {} refused a batch delete ({}): deleting objects one by one from now on",
        description, reason(e));
      return false;
    }
    if (response.hasErrors() && !response.errors().isEmpty()) {
      var error = response.errors().get(0);
      throw new IllegalStateException("Could not delete " + response.errors().size() + " objects under "
        + keyPrefix + " in bucket " + bucket + ", e.g. " + error.key() + ": " + error.code() + " "
        + error.message());
    }
    return true;
  }

  @Override
  public Future<Entry> find(StoredArtifact artifact, String entry) {
    String base = prefix + artifact.storagePath();
    if (!artifact.archive()) {
      return blocking(() -> head(base));
    }
    String inner = entryPath(entry);
    if (inner == null) {
      return Future.succeededFuture();
    }
    return blocking(() -> {
      Entry found = head(base + "/" + inner);
      // A folder inside the report: its index.html, as a directory listing would be on a file system.
      return found != null || inner.endsWith("index.html") ? found : head(base + "/" + inner + "/index.html");
    });
  }

  /**
   * An entry path as its key suffix: {@code index.html} for the folder itself or a path ending in a slash, empty
   * and {@code .} segments dropped as a file system would; null for a path that leaves the folder.
   */
  static String entryPath(String entry) {
    String path = entry.isEmpty() || entry.endsWith("/") ? entry + "index.html" : entry;
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (segment.equals("..")) {
        return null;
      }
      if (!segment.isEmpty() && !segment.equals(".")) {
        segments.add(segment);
      }
    }
    return segments.isEmpty() ? null : String.join("/", segments);
  }

  /** The object's entry, or null when there is no such object. */
  private Entry head(String key) {
    try {
      HeadObjectResponse head = client.headObject(b -> b.bucket(bucket).key(key));
      return new Entry(key, key.substring(key.lastIndexOf('/') + 1), head.contentLength());
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  @Override
  public Future<ReadStream<Buffer>> read(Entry entry, long offset, long length) {
    Context context = vertx.getOrCreateContext();
    return blocking(() -> client.getObject(b -> b.bucket(bucket).key(entry.key())
      .range("bytes=" + offset + "-" + (offset + length - 1))))
      .map(body -> readStream(context, body, length));
  }

  private ReadStream<Buffer> readStream(Context context, ResponseInputStream<GetObjectResponse> body, long length) {
    Long delivered = body.response().contentLength();
    if (delivered != null && delivered != length) {
      body.abort();
      throw new IllegalStateException("The store answered " + delivered + " bytes for a range of " + length);
    }
    return new BlockingReadStream(context, worker, body, length, body::abort);
  }

  /** Runs SDK calls on the storage's worker pool; an unreachable store becomes {@link StorageUnavailableException}. */
  private <T> Future<T> blocking(Callable<T> call) {
    return worker.executeBlocking(call, false).recover(e -> Future.failedFuture(unavailable(e)
      ? new StorageUnavailableException("File storage " + description + " is unavailable: " + reason(e), e) : e));
  }

  /** Whether a failure says that the store cannot be reached now, rather than that something is wrong. */
  private static boolean unavailable(Throwable e) {
    if (e instanceof S3Exception s3) {
      return s3.statusCode() >= 500;
    }
    return e instanceof SdkClientException;
  }

  private static String reason(Throwable e) {
    if (e instanceof S3Exception s3 && s3.awsErrorDetails() != null) {
      return s3.statusCode() + " " + s3.awsErrorDetails().errorCode();
    }
    if (e instanceof SdkException && e.getCause() != null) {
      return e.getMessage() + " (" + e.getCause() + ")";
    }
    return String.valueOf(e.getMessage());
  }

  @Override
  public String toString() {
    return "S3 " + description;
  }
}
