package dev.runboard.auth;

import dev.runboard.bus.Addresses;
import dev.runboard.store.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Signed, expiring capabilities for stored files: what a files-origin URL carries instead of credentials.
 *
 * <p>A capability is {@code base64url(version | expiry | key id | HMAC-SHA256(key, "runboard-file" | version |
 * artifact id | expiry | key id))}: version 1 (1 byte), expiry in epoch seconds (8 bytes), the signing key's id
 * (4 bytes) and the 32-byte MAC, 60 characters in all. It grants reading one artifact (all entries of a report,
 * so that a report's relative links stay under it) until its expiry. Expiries are rounded up to a step of a twelfth
 * of the lifetime (1 s to 5 min), so that a file's URL stays the same for a while and browsers can cache it.
 *
 * <p>Keys live in PostgreSQL ({@code file_signing_keys}), shared by every node: the newest key that is not retired
 * signs, every key that is not retired verifies. Each HTTP verticle instance holds them in memory and reloads them
 * when {@link Addresses#SIGNING_KEYS} says they changed, every {@link #REFRESH_MS} ms in case such a message was
 * lost, and when a capability names a key it does not know (at most once per {@link #UNKNOWN_KEY_RELOAD_MS} ms).
 * Reads {@code files.urlTtl}.
 */
public final class FileCapabilities {

  private static final Logger logger = LoggerFactory.getLogger(FileCapabilities.class);
  static final long REFRESH_MS = 60_000;
  static final long UNKNOWN_KEY_RELOAD_MS = 1_000;
  static final int SECRET_BYTES = 32;
  private static final byte VERSION = 1;
  private static final int MAC_BYTES = 32;
  private static final int TOKEN_BYTES = 1 + 8 + 4 + MAC_BYTES;
  private static final int TOKEN_CHARS = (TOKEN_BYTES * 8 + 5) / 6;
  private static final byte[] DOMAIN = "runboard-file".getBytes(StandardCharsets.US_ASCII);
  /** Trace viewers are signed in a domain of their own: no file's capability opens a viewer, and the reverse. */
  private static final byte[] VIEWER_DOMAIN = "runboard-trace-viewer".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom random = new SecureRandom();

  /** A capability and when it stops working. */
  public record Capability(String token, Instant expiresAt) {
  }

  /** The keys in force: all of them verify, {@code signing} signs. */
  private record Keys(Map<Integer, SecretKeySpec> verifying, int signing) {
  }

  private final Pool pool;
  private final Sql<SigningQuery> sql;
  private final Clock clock;
  private final long ttlSeconds;
  private final long stepSeconds;
  private volatile Keys keys;
  private volatile long lastUnknownKeyReload;

  FileCapabilities(Pool pool, Sql<SigningQuery> sql, Clock clock, long ttlMs) {
    this.pool = pool;
    this.sql = sql;
    this.clock = clock;
    this.ttlSeconds = Math.max(1, ttlMs / 1000);
    this.stepSeconds = Math.max(1, Math.min(300, ttlSeconds / 12));
    this.lastUnknownKeyReload = System.nanoTime() - UNKNOWN_KEY_RELOAD_MS * 1_000_000;
  }

  /**
   * Loads the keys (creating the first one when none is in force), then keeps them fresh: on
   * {@link Addresses#SIGNING_KEYS} and every {@link #REFRESH_MS} ms.
   */
  public static Future<FileCapabilities> load(Vertx vertx, Pool pool, long ttlMs) {
    return load(vertx, pool, Clock.systemUTC(), ttlMs);
  }

  static Future<FileCapabilities> load(Vertx vertx, Pool pool, Clock clock, long ttlMs) {
    return Sql.load(vertx, SigningQuery.class).compose(sql -> {
      FileCapabilities capabilities = new FileCapabilities(pool, sql, clock, ttlMs);
      return capabilities.ensureKey().compose(v -> capabilities.reload()).compose(v -> {
        vertx.setPeriodic(REFRESH_MS, t -> capabilities.reload());
        return vertx.eventBus().consumer(Addresses.SIGNING_KEYS, message -> capabilities.reload()).completion();
      }).map(capabilities);
    });
  }

  /** A capability for reading the artifact, valid for {@code files.urlTtl} at least. */
  public Capability sign(long artifactId) {
    return sign(DOMAIN, artifactId);
  }

  /** A capability for reading the trace viewer's entries, valid for {@code files.urlTtl} at least. */
  public Capability signTraceViewer(long viewerId) {
    return sign(VIEWER_DOMAIN, viewerId);
  }

  /** As {@link #verify}, for a trace viewer's capability. */
  public Future<Instant> verifyTraceViewer(String token, long viewerId) {
    return verify(VIEWER_DOMAIN, token, viewerId);
  }

  private Capability sign(byte[] domain, long artifactId) {
    Keys current = keys;
    long now = clock.instant().getEpochSecond();
    long expiry = ((now + ttlSeconds + stepSeconds - 1) / stepSeconds) * stepSeconds;
    ByteBuffer token = ByteBuffer.allocate(TOKEN_BYTES).put(VERSION).putLong(expiry).putInt(current.signing());
    token.put(mac(domain, current.verifying().get(current.signing()), artifactId, expiry, current.signing()));
    return new Capability(Base64.getUrlEncoder().withoutPadding().encodeToString(token.array()),
      Instant.ofEpochSecond(expiry));
  }

  /**
   * When the capability expires, if it grants reading the artifact now; null when it is malformed, forged, for
   * another artifact, expired, or signed by a key that is retired or unknown (after reloading the keys once).
   */
  public Future<Instant> verify(String token, long artifactId) {
    return verify(DOMAIN, token, artifactId);
  }

  private Future<Instant> verify(byte[] domain, String token, long artifactId) {
    if (token == null || token.length() != TOKEN_CHARS) {
      return Future.succeededFuture();
    }
    ByteBuffer bytes;
    try {
      bytes = ByteBuffer.wrap(Base64.getUrlDecoder().decode(token));
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture();
    }
    if (bytes.remaining() != TOKEN_BYTES || bytes.get() != VERSION) {
      return Future.succeededFuture();
    }
    long expiry = bytes.getLong();
    int keyId = bytes.getInt();
    byte[] presented = new byte[MAC_BYTES];
    bytes.get(presented);
    if (expiry <= clock.instant().getEpochSecond()) {
      return Future.succeededFuture();
    }
    if (!keys.verifying().containsKey(keyId) && mayReloadForUnknownKey()) {
      return reload().otherwiseEmpty().map(v -> check(domain, artifactId, expiry, keyId, presented));
    }
    return Future.succeededFuture(check(domain, artifactId, expiry, keyId, presented));
  }

  private Instant check(byte[] domain, long artifactId, long expiry, int keyId, byte[] presented) {
    SecretKeySpec key = keys.verifying().get(keyId);
    return key != null && MessageDigest.isEqual(mac(domain, key, artifactId, expiry, keyId), presented)
      ? Instant.ofEpochSecond(expiry) : null;
  }

  private boolean mayReloadForUnknownKey() {
    long now = System.nanoTime();
    if (now - lastUnknownKeyReload < UNKNOWN_KEY_RELOAD_MS * 1_000_000) {
      return false;
    }
    lastUnknownKeyReload = now;
    return true;
  }

  /** Reads the keys in force again; on failure the ones held are kept. */
  public Future<Void> reload() {
    return pool.query(sql.get(SigningQuery.ACTIVE_SIGNING_KEYS)).execute().map(rows -> {
      Map<Integer, SecretKeySpec> verifying = new HashMap<>();
      int signing = 0;
      for (Row row : rows) {
        int id = row.getInteger("id");
        verifying.put(id, new SecretKeySpec(row.getBuffer("secret").getBytes(), "HmacSHA256"));
        signing = Math.max(signing, id);
      }
      if (verifying.isEmpty()) {
        // Retiring the last key is refused, so this is a database edited by hand: keep signing with what we had.
        logger.error("No file signing key is in force; keeping the {} held",
          keys == null ? 0 : keys.verifying().size());
        if (keys == null) {
          throw new IllegalStateException("no file signing key is in force");
        }
        return null;
      }
      keys = new Keys(Map.copyOf(verifying), signing);
      return null;
    }).onFailure(e -> logger.warn("Could not reload the file signing keys: {}", e.toString())).mapEmpty();
  }

  /** Creates the first key when none is in force (once, whatever the number of instances and nodes). */
  private Future<Void> ensureKey() {
    return pool.withTransaction(tx -> tx.query(sql.get(SigningQuery.LOCK_SIGNING_KEYS)).execute()
      .compose(locked -> tx.query(sql.get(SigningQuery.ACTIVE_SIGNING_KEYS)).execute())
      .compose(rows -> rows.size() > 0 ? Future.succeededFuture()
        : tx.preparedQuery(sql.get(SigningQuery.INSERT_SIGNING_KEY)).execute(Tuple.of(newSecret()))
          .onSuccess(created -> logger.info("Created file signing key {}",
            created.iterator().next().getInteger("id")))
          .mapEmpty()));
  }

  static Buffer newSecret() {
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(secret);
    return Buffer.buffer(secret);
  }

  private static byte[] mac(byte[] domain, SecretKeySpec key, long artifactId, long expiry, int keyId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(domain);
      mac.update(ByteBuffer.allocate(1 + 8 + 8 + 4).put(VERSION).putLong(artifactId).putLong(expiry).putInt(keyId)
        .array());
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }
}
