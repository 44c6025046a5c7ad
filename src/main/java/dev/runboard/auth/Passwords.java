package dev.runboard.auth;

import dev.runboard.config.AppConfig;
import dev.runboard.web.ApiException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.RoutingContext;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Password hashing with Argon2id (BouncyCastle), stored in the PHC string form
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} so that the parameters can be raised later without
 * invalidating stored hashes.
 *
 * <p>Hashing is memory-hard and slow on purpose, so it never runs on an event loop nor on Vert.x's shared worker
 * pool: it runs on the named worker pool {@value #EXECUTOR} of {@code auth.hashThreads} threads, shared by every
 * HTTP verticle instance of the node, and at most {@code auth.hashQueue} hashes may wait for it. A hash beyond
 * that fails at once with {@link Busy} (the request answers 503 with {@code Retry-After}, see {@link #fail}).
 * Metrics (when enabled): {@code runboard_password_hashes_total} (hashes computed),
 * {@code runboard_password_hashes_refused_total} (refused, queue full) and {@code runboard_password_hashes_pending}
 * (running or waiting).
 */
final class Passwords {

  /** OWASP's recommended Argon2id floor: 19 MiB, 2 passes, 1 lane. */
  static final int MEMORY_KIB = 19_456;
  static final int ITERATIONS = 2;
  static final int PARALLELISM = 1;
  static final int MAX_LENGTH = 1024;
  static final String EXECUTOR = "runboard-passwords";
  /** What a request refused for a full hashing queue is told to wait: a hash takes some 50 ms per thread. */
  static final long BUSY_RETRY_AFTER_S = 2;

  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final SecureRandom random = new SecureRandom();
  private static final Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder b64d = Base64.getDecoder();
  private static final Pattern PHC = Pattern.compile(
    "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,2}),p=(\\d{1,2})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
  /**
   * What an unknown username is verified against: a hash string with the current parameters and a random salt and
   * digest (of no password), so verifying against it costs exactly what a real verification costs.
   */
  private static final String DECOY = phc(randomBytes(SALT_BYTES), randomBytes(HASH_BYTES));

  private final WorkerExecutor executor;
  private final HashingLoad load;
  private final int maxPending;

  private Passwords(WorkerExecutor executor, HashingLoad load, int maxPending) {
    this.executor = executor;
    this.load = load;
    this.maxPending = maxPending;
  }

  /**
   * The hashing of one HTTP verticle instance: its handle on the node's shared {@value #EXECUTOR} pool (closed with
   * the verticle), and the node-wide count of pending hashes. {@code metrics} may be null.
   */
  static Passwords create(Vertx vertx, AppConfig config, MeterRegistry metrics) {
    HashingLoad load = (HashingLoad) vertx.sharedData().getLocalMap("runboard.auth")
      .computeIfAbsent("hashing", k -> new HashingLoad());
    if (metrics != null) {
      FunctionCounter.builder("runboard.password.hashes", load, HashingLoad::computed)
        .description("Argon2id hashes computed: logins (also of unknown users), setup, account passwords")
        .register(metrics);
      FunctionCounter.builder("runboard.password.hashes.refused", load, HashingLoad::refused)
        .description("Password hashes refused at once because auth.hashQueue hashes were already waiting")
        .register(metrics);
      Gauge.builder("runboard.password.hashes.pending", load, HashingLoad::pending)
        .description("Password hashes running or waiting for a hashing thread").strongReference(true)
        .register(metrics);
    }
    WorkerExecutor executor = vertx.createSharedWorkerExecutor(EXECUTOR, config.hashThreads());
    return new Passwords(executor, load, config.hashThreads() + config.hashQueue());
  }

  /** The PHC string of a new salted hash of {@code password}; fails with {@link Busy} when the queue is full. */
  Future<String> hash(String password) {
    return run(() -> hashNow(password), true);
  }

  /** As {@link #hash}, but waits however long the queue is: only for the unattended administrator at start. */
  Future<String> hashAtStart(String password) {
    return run(() -> hashNow(password), false);
  }

  /**
   * True when {@code password} matches {@code stored}; a null {@code stored} (unknown user) spends the same time.
   * Fails with {@link Busy} when the queue is full.
   */
  Future<Boolean> verify(String password, String stored) {
    return run(() -> {
      boolean matches = verifyNow(password, stored == null ? DECOY : stored);
      return stored != null && matches;
    }, true);
  }

  private <T> Future<T> run(Callable<T> hashing, boolean mayRefuse) {
    if (!load.tryAcquire(mayRefuse ? maxPending : Integer.MAX_VALUE)) {
      load.refused.incrementAndGet();
      return Future.failedFuture(new Busy());
    }
    Future<T> done;
    try {
      done = executor.executeBlocking(() -> {
        try {
          return hashing.call();
        } finally {
          load.computed.incrementAndGet();
        }
      }, false);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    return done.andThen(result -> load.release());
  }

  /**
   * Fails the request with {@code failure}; a {@link Busy} one becomes 503 {@code unavailable} with
   * {@code Retry-After}.
   */
  static void fail(RoutingContext ctx, Throwable failure) {
    if (failure instanceof Busy) {
      ctx.response().putHeader("Retry-After", Long.toString(BUSY_RETRY_AFTER_S));
      ctx.fail(new ApiException(503, "unavailable",
        "The server is busy checking passwords; retry in " + BUSY_RETRY_AFTER_S + " seconds.", null));
    } else {
      ctx.fail(failure);
    }
  }

  static String hashNow(String password) {
    byte[] salt = randomBytes(SALT_BYTES);
    return phc(salt, derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM));
  }

  private static String phc(byte[] salt, byte[] hash) {
    return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM
      + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  static boolean verifyNow(String password, String stored) {
    Matcher m = PHC.matcher(stored);
    if (!m.matches()) {
      return false;
    }
    byte[] salt = b64d.decode(m.group(4));
    byte[] expected = b64d.decode(m.group(5));
    byte[] actual = derive(password, salt, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
      Integer.parseInt(m.group(3)), expected.length);
    return MessageDigest.isEqual(actual, expected);
  }

  private static byte[] derive(String password, byte[] salt, int memoryKib, int iterations, int parallelism) {
    return derive(password, salt, memoryKib, iterations, parallelism, HASH_BYTES);
  }

  private static byte[] derive(String password, byte[] salt, int memoryKib, int iterations, int parallelism,
                               int length) {
    Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
      .withVersion(Argon2Parameters.ARGON2_VERSION_13)
      .withMemoryAsKB(memoryKib)
      .withIterations(iterations)
      .withParallelism(parallelism)
      .withSalt(salt)
      .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] out = new byte[length];
    generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
    return out;
  }

  /** A hash refused because {@code auth.hashQueue} hashes were already waiting; no stack trace: not a fault. */
  static final class Busy extends RuntimeException {

    Busy() {
      super("password hashing queue is full", null, false, false);
    }
  }

  /** Pending (running or waiting) and finished hashes of the node, shared by its HTTP verticle instances. */
  static final class HashingLoad implements Shareable {

    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong computed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /** Takes a place if fewer than {@code max} hashes are pending. */
    boolean tryAcquire(int max) {
      while (true) {
        int now = pending.get();
        if (now >= max) {
          return false;
        }
        if (pending.compareAndSet(now, now + 1)) {
          return true;
        }
      }
    }

    void release() {
      pending.decrementAndGet();
    }

    int pending() {
      return pending.get();
    }

    long computed() {
      return computed.get();
    }

    long refused() {
      return refused.get();
    }
  }
}
