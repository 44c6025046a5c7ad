package dev.runboard.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Password hashing with Argon2id (BouncyCastle), stored in the PHC string form
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} so that the parameters can be raised later without
 * invalidating stored hashes. Hashing is memory-hard and slow on purpose: it always runs on a worker thread.
 */
final class Passwords {

  /** OWASP's recommended Argon2id floor: 19 MiB, 2 passes, 1 lane. */
  static final int MEMORY_KIB = 19_456;
  static final int ITERATIONS = 2;
  static final int PARALLELISM = 1;
  static final int MAX_LENGTH = 1024;

  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final SecureRandom random = new SecureRandom();
  private static final Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder b64d = Base64.getDecoder();
  private static final Pattern PHC = Pattern.compile(
    "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,2}),p=(\\d{1,2})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");

  private final Vertx vertx;
  /** A real hash of a random password: verifying against it costs what a real verification costs. */
  private final String decoy;

  private Passwords(Vertx vertx, String decoy) {
    this.vertx = vertx;
    this.decoy = decoy;
  }

  static Future<Passwords> create(Vertx vertx) {
    return vertx.executeBlocking(() -> hashNow(Secrets.newSecret("")), false).map(decoy -> new Passwords(vertx, decoy));
  }

  Future<String> hash(String password) {
    return vertx.executeBlocking(() -> hashNow(password), false);
  }

  /** True when {@code password} matches {@code stored}; a null {@code stored} (unknown user) spends the same time. */
  Future<Boolean> verify(String password, String stored) {
    return vertx.executeBlocking(() -> {
      boolean matches = verifyNow(password, stored == null ? decoy : stored);
      return stored != null && matches;
    }, false);
  }

  static String hashNow(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] hash = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM);
    return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM
      + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
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
}
