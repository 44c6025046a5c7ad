package dev.runboard.store;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Where zonky unpacked the PostgreSQL binaries, so that Runboard can run {@code postgres} itself (single-user mode)
 * the way zonky runs it. zonky keeps that folder private: it is {@code <working dir>/PG-<md5 of the archive>}, so
 * this resolver hands zonky the default archive and digests it on the way. Use the one {@link #INSTANCE}: zonky
 * caches its unpacked folder per resolver, and the digest stays valid for the JVM's life.
 */
final class PostgresBinaries implements PgBinaryResolver {

  static final PostgresBinaries INSTANCE = new PostgresBinaries();

  private volatile String archiveDigest;

  private PostgresBinaries() {
  }

  @Override
  public InputStream getPgBinary(String system, String machineHardware) throws IOException {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IOException(e);
    }
    InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware);
    return new DigestInputStream(archive, md5) {
      private boolean closed;

      @Override
      public void close() throws IOException {
        super.close();
        if (!closed) {
          closed = true;
          archiveDigest = HexFormat.of().formatHex(md5.digest());
        }
      }
    };
  }

  /** The command line that runs {@code program} from the unpacked binaries (as root: in a user namespace). */
  List<String> command(String program, String... arguments) {
    Path executable = binDirectory().resolve(program);
    if (!Files.isExecutable(executable)) {
      throw new IllegalStateException("PostgreSQL binary not found at " + executable);
    }
    List<String> command = new ArrayList<>();
    // zonky runs PostgreSQL this way when it runs as root, which PostgreSQL refuses otherwise.
    if (LinuxUtils.isUnshareAvailable()) {
      command.addAll(List.of("unshare", "-U"));
    }
    command.add(executable.toString());
    command.addAll(List.of(arguments));
    return command;
  }

  private Path binDirectory() {
    String digest = archiveDigest;
    if (digest == null) {
      throw new IllegalStateException("the PostgreSQL binaries have not been unpacked yet");
    }
    // The same folder as zonky's EmbeddedPostgres.getWorkingDirectory().
    Path workingDirectory = Path.of(System.getProperty("ot.epg.working-dir",
      Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg").toString()));
    return workingDirectory.resolve("PG-" + digest).resolve("bin");
  }
}
