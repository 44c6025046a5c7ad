package dev.runboard.store;

import dev.runboard.config.AppConfig;
import io.vertx.core.json.JsonObject;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A real S3-compatible server for tests: s3proxy over jclouds' filesystem provider in a temporary folder, on
 * 127.0.0.1 and a free port, with signature-checked credentials and path-style access. {@link #config} gives the
 * Runboard config overlay for one of its buckets; {@link #client} an SDK client to look inside.
 */
public final class S3Server implements AutoCloseable {

  public static final String ACCESS_KEY = "runboard-test";
  public static final String SECRET_KEY = "runboard-test-secret-" + UUID.randomUUID();

  private final Path dir;
  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private final S3Client client;

  private S3Server(Path dir, BlobStoreContext context, S3Proxy proxy) {
    this.dir = dir;
    this.context = context;
    this.proxy = proxy;
    this.client = S3Client.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1)
      .forcePathStyle(true).httpClientBuilder(UrlConnectionHttpClient.builder())
      .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
      .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
      .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
      .build();
  }

  public static S3Server start() throws Exception {
    return start(false);
  }

  /**
   * @param ignoreUnknownHeaders whether to accept headers s3proxy does not know, such as the CRC32 checksum the SDK
   *                             sends with a batch delete (refused by default, as some stores do)
   */
  public static S3Server start(boolean ignoreUnknownHeaders) throws Exception {
    Path dir = Files.createTempDirectory("runboard-s3");
    Properties properties = new Properties();
    properties.setProperty("jclouds.filesystem.basedir", dir.toString());
    BlobStoreContext context = ContextBuilder.newBuilder("filesystem").overrides(properties)
      .build(BlobStoreContext.class);
    S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
      .endpoint(URI.create("http://127.0.0.1:0"))
      .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
      .ignoreUnknownHeaders(ignoreUnknownHeaders)
      .build();
    proxy.start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
      }
      Thread.sleep(10);
    }
    return new S3Server(dir, context, proxy);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  public int port() {
    return proxy.getPort();
  }

  /** Creates a bucket with a fresh name. */
  public String newBucket() {
    String bucket = "runboard-" + UUID.randomUUID().toString().substring(0, 8);
    client.createBucket(b -> b.bucket(bucket));
    return bucket;
  }

  /** Runboard's config overlay for {@code storage.kind=s3} on a bucket. */
  public JsonObject config(String bucket, String prefix) {
    return new JsonObject()
      .put(AppConfig.STORAGE_KIND, "s3")
      .put(AppConfig.STORAGE_S3_ENDPOINT, endpoint())
      .put(AppConfig.STORAGE_S3_BUCKET, bucket)
      .put(AppConfig.STORAGE_S3_PREFIX, prefix)
      .put(AppConfig.STORAGE_S3_ACCESS_KEY, ACCESS_KEY)
      .put(AppConfig.STORAGE_S3_SECRET_KEY, SECRET_KEY);
  }

  public S3Client client() {
    return client;
  }

  /** Every object under a prefix of a bucket. */
  public List<S3Object> objects(String bucket, String prefix) {
    // jclouds' filesystem provider lists its folders too, as keys ending in a slash: they are not objects.
    return client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
      .filter(o -> !o.key().endsWith("/")).toList();
  }

  @Override
  public void close() throws Exception {
    client.close();
    proxy.stop();
    context.close();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException ignored) {
      // a temporary folder
    }
  }
}
