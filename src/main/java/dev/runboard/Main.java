package dev.runboard;

import dev.runboard.config.AppConfig;
import dev.runboard.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Boot: load and validate the configuration, start the node, and stop it gracefully on SIGTERM or SIGINT.
 * A bad configuration value ends the process with exit code 2 and one line naming the key; an embedded database
 * that died and could not be restarted stops the node gracefully and ends the process with exit code 3.
 */
public final class Main {

  private static final Logger logger = LoggerFactory.getLogger(Main.class);
  private static final int EXIT_DATABASE_LOST = 3;

  private Main() {
  }

  public static void main(String[] args) {
    AppConfig config;
    try {
      config = AppConfig.load(System.getenv(), System.getProperties());
    } catch (ConfigException e) {
      System.err.println("runboard: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    // Our own signal handlers replace the JVM's, so that the database (whose library registers its own
    // shutdown hook) stops only after in-flight requests have finished. They are in place before the start,
    // so that a signal during the start is not lost: the node then stops as soon as it is up.
    CountDownLatch stopRequested = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), signal -> stopRequested.countDown());
    Signal.handle(new Signal("INT"), signal -> stopRequested.countDown());
    Runboard node;
    try {
      node = Runboard.start(config);
    } catch (Exception e) {
      logger.error("Runboard failed to start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node::stop, "runboard-shutdown-hook"));
    AtomicReference<String> fatal = new AtomicReference<>();
    node.fatalError().thenAccept(reason -> {
      fatal.set(reason);
      stopRequested.countDown();
    });
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    node.stop();
    if (fatal.get() != null) {
      logger.error("Runboard exits with code {}: {}", EXIT_DATABASE_LOST, fatal.get());
      System.exit(EXIT_DATABASE_LOST);
    }
    System.exit(0);
  }
}
