package dev.runboard.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Who may connect to the embedded PostgreSQL: only its superuser, with a generated password, over
 * {@code scram-sha-256} ({@code pg_hba.conf} trusts nobody). The password lives in {@value #PASSWORD_FILE} inside
 * the database's data directory, readable by its owner only (0600).
 *
 * <p>zonky's {@code initdb} trusts every local connection. {@link #secure} runs after {@code initdb} and before
 * the server starts: it sets the superuser's password in single-user mode (no server listening, so there is no
 * moment when the database is open), writes the password file, then replaces {@code pg_hba.conf}. A data
 * directory made by a Runboard version without a password is upgraded the same way, and a lost password file is
 * replaced by a new password. Each step is redone at the next start if the process stops in between.
 */
final class SuperuserAccess {

  static final String PASSWORD_FILE = "superuser.password";
  static final String SUPERUSER = "postgres";
  private static final Logger logger = LoggerFactory.getLogger(SuperuserAccess.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final String PG_HBA = """
    # Written by Runboard at every start of its embedded PostgreSQL: edits are replaced.
    # Only password (SCRAM) logins; the password is in superuser.password (0600) next to this file.
    # TYPE  DATABASE        USER            ADDRESS                 METHOD
    local   all             all                                     scram-sha-256
    host    all             all             127.0.0.1/32            scram-sha-256
    host    all             all             ::1/128                 scram-sha-256
    local   replication     all                                     scram-sha-256
    host    replication     all             127.0.0.1/32            scram-sha-256
    host    replication     all             ::1/128                 scram-sha-256
    """;
  private static final int SCRAM_ITERATIONS = 4096;
  private static final long SINGLE_USER_TIMEOUT_S = 300;

  private final String password;
  private final boolean newPassword;

  private SuperuserAccess(String password, boolean newPassword) {
    this.password = password;
    this.newPassword = newPassword;
  }

  /**
   * The password kept in {@code directory}, or a new one when there is none yet (written by {@link #secure}, once
   * PostgreSQL has it: {@code initdb} needs an empty directory, and a file must never name a password that
   * PostgreSQL does not know).
   */
  static SuperuserAccess load(Path directory) throws IOException {
    Path file = directory.resolve(PASSWORD_FILE);
    if (Files.exists(file)) {
      restrictToOwner(file);
      String kept = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (!kept.isEmpty()) {
        return new SuperuserAccess(kept, false);
      }
      logger.warn("{} is empty: a new password is set", file);
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return new SuperuserAccess(Base64.getUrlEncoder().withoutPadding().encodeToString(random), true);
  }

  String password() {
    return password;
  }

  /** Leaves {@code directory} (an initialised data directory, no server running) open to password logins only. */
  void secure(Path directory, PostgresBinaries binaries) throws IOException {
    Path hba = directory.resolve("pg_hba.conf");
    boolean hbaCurrent = Files.exists(hba) && Files.readString(hba, StandardCharsets.UTF_8).equals(PG_HBA);
    if (!hbaCurrent) {
      logger.info("Embedded PostgreSQL in {}: setting a superuser password and requiring it (scram-sha-256)",
        directory);
    } else if (newPassword) {
      logger.warn("Embedded PostgreSQL in {}: {} is missing; setting a new superuser password", directory,
        PASSWORD_FILE);
    }
    // In this order, a stop between two steps leaves nothing that the next start does not redo.
    if (newPassword || !hbaCurrent) {
      setPasswordSingleUser(directory, binaries);
    }
    if (newPassword) {
      writeOwnerOnly(directory.resolve(PASSWORD_FILE), password + "\n");
    }
    if (!hbaCurrent) {
      writeOwnerOnly(hba, PG_HBA);
    }
  }

  private void setPasswordSingleUser(Path directory, PostgresBinaries binaries) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(binaries.command("postgres", "--single", "-D",
      directory.toString(), "-c", "exit_on_error=on", "postgres")).redirectErrorStream(true);
    Process process = builder.start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    // The verifier, not the password, reaches PostgreSQL (as psql's \password does): nothing can log the password.
    try (OutputStream in = process.getOutputStream()) {
      in.write(("ALTER ROLE " + SUPERUSER + " PASSWORD '" + scramVerifier(password) + "'\n")
        .getBytes(StandardCharsets.UTF_8));
    }
    try {
      if (!process.waitFor(SINGLE_USER_TIMEOUT_S, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("PostgreSQL in single-user mode did not finish within " + SINGLE_USER_TIMEOUT_S + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted while setting the superuser password", e);
    }
    if (process.exitValue() != 0) {
      String log = output.join().lines().filter(line -> !line.contains("SCRAM-SHA-256$"))
        .reduce("", (a, b) -> a + "\n  " + b);
      throw new IOException("could not set the superuser password of the embedded PostgreSQL (exit code "
        + process.exitValue() + "):" + log);
    }
  }

  /** PostgreSQL's stored form of a SCRAM-SHA-256 password (RFC 5802/7677), as {@code pg_authid} keeps it. */
  static String scramVerifier(String password) {
    try {
      byte[] salt = new byte[16];
      new SecureRandom().nextBytes(salt);
      byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
        .generateSecret(new PBEKeySpec(password.toCharArray(), salt, SCRAM_ITERATIONS, 256)).getEncoded();
      byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(hmac(salted, "Client Key"));
      byte[] serverKey = hmac(salted, "Server Key");
      Base64.Encoder b64 = Base64.getEncoder();
      return "SCRAM-SHA-256$" + SCRAM_ITERATIONS + ":" + b64.encodeToString(salt) + "$"
        + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SCRAM-SHA-256 is not available in this JVM", e);
    }
  }

  private static byte[] hmac(byte[] key, String message) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code file} whole or not at all, created 0600 (never readable by others, not even for a moment). */
  private static void writeOwnerOnly(Path file, String content) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temp);
    if (posix()) {
      Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    }
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
      StandardOpenOption.TRUNCATE_EXISTING)) {
      channel.write(StandardCharsets.UTF_8.encode(content));
      channel.force(true);
    }
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void restrictToOwner(Path file) throws IOException {
    if (posix() && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
      logger.warn("{} had permissions {}: set back to rw------- (0600)", file,
        PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      Files.setPosixFilePermissions(file, OWNER_ONLY);
    }
  }

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }
}
