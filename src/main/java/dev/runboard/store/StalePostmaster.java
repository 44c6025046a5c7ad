package dev.runboard.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server still running on Runboard's data directory although no Runboard uses it: what a
 * {@code kill -9} of the Java process leaves behind (zonky's shutdown hook never ran). Its {@code postmaster.pid}
 * names it; it is ours when that process is alive, is a {@code postgres} executable and works in this very
 * directory. It is stopped the way {@code pg_ctl stop} would: fast shutdown (SIGINT: a checkpoint, nothing
 * committed is lost), then immediate (SIGQUIT: crash recovery at the next start), then SIGKILL.
 */
final class StalePostmaster {

  private static final Logger logger = LoggerFactory.getLogger(StalePostmaster.class);
  private static final String PID_FILE = "postmaster.pid";
  /** The lock zonky holds on the data directory while an EmbeddedPostgres uses it. */
  private static final String ZONKY_LOCK = "epg-lock";
  private static final Duration FAST_SHUTDOWN = Duration.ofSeconds(30);
  private static final Duration IMMEDIATE_SHUTDOWN = Duration.ofSeconds(10);
  private static final Duration KILL = Duration.ofSeconds(5);

  private StalePostmaster() {
  }

  /**
   * Stops a server left running on {@code directory} by a Runboard that is gone. Refuses (IOException) when a
   * live Runboard still holds the directory: that one's database is not stale.
   */
  static void stopIfRunning(Path directory) throws IOException {
    Optional<ProcessHandle> postmaster = postmasterOf(directory);
    if (postmaster.isEmpty()) {
      return;
    }
    try (RandomAccessFile lockFile = new RandomAccessFile(directory.resolve(ZONKY_LOCK).toFile(), "rw");
         FileLock lock = lockFile.getChannel().tryLock()) {
      if (lock == null) {
        throw inUse(directory);
      }
      stop(postmaster.get(), directory);
    } catch (OverlappingFileLockException e) {
      throw inUse(directory);
    }
  }

  /** The live postmaster of {@code directory}, if any; a {@code postmaster.pid} naming another process is removed. */
  static Optional<ProcessHandle> postmasterOf(Path directory) throws IOException {
    Path pidFile = directory.resolve(PID_FILE);
    long pid;
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      pid = lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).strip());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty(); // being written, or damaged: PostgreSQL itself decides at start
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (process.isEmpty()) {
      return Optional.empty(); // PostgreSQL removes a lock file whose process is gone by itself
    }
    return switch (identify(process.get(), directory)) {
      case OURS -> process;
      case UNKNOWN -> Optional.empty(); // a process just ending, say: PostgreSQL's own checks decide at start
      case OTHER -> {
        // The pid was reused by an unrelated process (after a reboot, say): PostgreSQL would take it for another
        // server and refuse to start. No postmaster uses this directory, or its own pid would be in the file.
        logger.warn("Removing stale {} in {}: process {} is not a PostgreSQL server of this directory", PID_FILE,
          directory, pid);
        Files.deleteIfExists(pidFile);
        yield Optional.empty();
      }
    };
  }

  private enum Identity { OURS, OTHER, UNKNOWN }

  /** Whether {@code process} is a {@code postgres} working in {@code directory}, something else, or unknowable. */
  private static Identity identify(ProcessHandle process, Path directory) {
    Optional<String> command = process.info().command();
    if (command.isEmpty()) {
      return Identity.UNKNOWN; // not ours to inspect, or a zombie
    }
    if (!Path.of(command.get()).getFileName().toString().equals("postgres")) {
      return Identity.OTHER;
    }
    // A postmaster works in its data directory: Linux shows it in /proc. Elsewhere only a -D argument naming this
    // directory is conclusive.
    try {
      if (Files.exists(Path.of("/proc/self/cwd"))) {
        return Files.isSameFile(Path.of("/proc", Long.toString(process.pid()), "cwd"), directory)
          ? Identity.OURS : Identity.OTHER;
      }
      List<String> args = List.of(process.info().arguments().orElse(new String[0]));
      int d = args.indexOf("-D");
      return d >= 0 && d + 1 < args.size() && Files.isSameFile(Path.of(args.get(d + 1)), directory)
        ? Identity.OURS : Identity.UNKNOWN;
    } catch (IOException e) {
      return Identity.UNKNOWN;
    }
  }

  /** Stops {@code postmaster} and waits for it: fast, then immediate shutdown, then SIGKILL. */
  static void stop(ProcessHandle postmaster, Path directory) throws IOException {
    logger.warn("PostgreSQL (pid {}) is still running on {} although no Runboard uses it (the previous Runboard "
      + "process was killed?): stopping it", postmaster.pid(), directory);
    if (signal(postmaster, "INT") && exited(postmaster, FAST_SHUTDOWN)) {
      logger.info("Stale PostgreSQL (pid {}) stopped (fast shutdown)", postmaster.pid());
      return;
    }
    logger.warn("PostgreSQL (pid {}) did not stop within {} s: immediate shutdown", postmaster.pid(),
      FAST_SHUTDOWN.toSeconds());
    if (signal(postmaster, "QUIT") && exited(postmaster, IMMEDIATE_SHUTDOWN)) {
      return;
    }
    logger.warn("PostgreSQL (pid {}) did not stop within {} s: killing it and its processes", postmaster.pid(),
      IMMEDIATE_SHUTDOWN.toSeconds());
    List<ProcessHandle> children = postmaster.children().toList();
    postmaster.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    if (!exited(postmaster, KILL)) {
      throw new IOException("cannot stop PostgreSQL (pid " + postmaster.pid() + ") running on " + directory);
    }
  }

  /** Sends a signal by name; Java's own API has only SIGTERM and SIGKILL. */
  private static boolean signal(ProcessHandle process, String signal) throws IOException {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping PostgreSQL", e);
    }
  }

  /** Polls: the server is not our child, and ProcessHandle.onExit() would poll it only every few seconds. */
  private static boolean exited(ProcessHandle process, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (process.isAlive()) {
        if (System.nanoTime() > deadline) {
          return false;
        }
        Thread.sleep(50);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping PostgreSQL", e);
    }
  }

  private static IOException inUse(Path directory) {
    return new IOException("the embedded database in " + directory + " is in use by another running Runboard "
      + "(it holds " + ZONKY_LOCK + "): stop that one first, or give this one another data.dir");
  }
}
