package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.streams.ReadStream;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@link FileStorage} in a directory ({@code storage.dir}, by default {@code <data.dir>/files}); with several
 * nodes it must be a mount they share. Blocking file work runs on worker threads. Every path is resolved inside
 * the directory, and archive entries inside their artifact's folder, without following links.
 */
public final class FilesystemStorage implements FileStorage {

  private final Vertx vertx;
  private final Path root;

  public FilesystemStorage(Vertx vertx, Path root) {
    this.vertx = vertx;
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public Future<Void> put(StoredArtifact artifact, Path source) {
    return vertx.executeBlocking(() -> {
      Path target = inside(artifact.storagePath());
      Files.createDirectories(target.getParent());
      move(source, target);
      return null;
    }, false);
  }

  @Override
  public Future<Void> remove(StoredArtifact artifact) {
    return vertx.executeBlocking(() -> {
      Path target = inside(artifact.storagePath());
      deleteTree(target);
      removeEmptyParents(target.getParent());
      return null;
    }, false);
  }

  @Override
  public Future<Void> removeRun(long runId) {
    return vertx.executeBlocking(() -> {
      deleteTree(inside("runs/" + runId));
      return null;
    }, false);
  }

  @Override
  public Future<Entry> find(StoredArtifact artifact, String entry) {
    return vertx.executeBlocking(() -> {
      Path base = inside(artifact.storagePath());
      Path file;
      if (!artifact.archive()) {
        file = base;
      } else {
        String inner = entry.isEmpty() || entry.endsWith("/") ? entry + "index.html" : entry;
        file = base.resolve(inner).normalize();
        if (!file.startsWith(base) || file.equals(base)) {
          return null;
        }
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
          file = file.resolve("index.html");
        }
      }
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !file.toRealPath().startsWith(root.toRealPath())) {
        return null;
      }
      return new Entry(root.relativize(file).toString(), file.getFileName().toString(), Files.size(file));
    }, false);
  }

  @Override
  public Future<ReadStream<Buffer>> read(Entry entry, long offset, long length) {
    return vertx.fileSystem().open(inside(entry.key()).toString(), new OpenOptions().setRead(true).setWrite(false))
      .map(file -> new ClosingFile(file.setReadPos(offset).setReadLength(length)));
  }

  /**
   * An open file that closes itself at its end, on a failure, or when its consumer gives up ({@code handler(null)}
   * before the end, as a failed pipe does): an {@link AsyncFile} read through a pipe is never closed otherwise.
   */
  private static final class ClosingFile implements ReadStream<Buffer> {

    private final AsyncFile file;
    private boolean ended;

    ClosingFile(AsyncFile file) {
      this.file = file;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      if (handler == null) {
        close();
      } else if (!ended) {
        file.handler(handler);
      }
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
      if (ended) {
        return this;
      }
      file.endHandler(handler == null ? null : v -> {
        close();
        handler.handle(null);
      });
      return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      if (ended) {
        return this;
      }
      file.exceptionHandler(e -> {
        close();
        if (handler != null) {
          handler.handle(e);
        }
      });
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      if (!ended) {
        file.pause();
      }
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      if (!ended) {
        file.resume();
      }
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      if (!ended) {
        file.fetch(amount);
      }
      return this;
    }

    private void close() {
      if (!ended) {
        ended = true;
        file.close();
      }
    }
  }

  /** A storage path as a path inside the directory; anything else is a bug, not a client's mistake. */
  private Path inside(String storagePath) {
    Path path = root.resolve(storagePath).normalize();
    if (!path.startsWith(root) || path.equals(root)) {
      throw new IllegalStateException("storage path " + storagePath + " is outside " + root);
    }
    return path;
  }

  private static void move(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      // Another file system: copy, then remove the source.
      try (Stream<Path> all = Files.walk(source)) {
        for (Path from : all.toList()) {
          Files.copy(from, target.resolve(source.relativize(from).toString()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      deleteTree(source);
    }
  }

  private void removeEmptyParents(Path dir) throws IOException {
    for (Path d = dir; d != null && d.startsWith(root) && !d.equals(root); d = d.getParent()) {
      try (Stream<Path> children = Files.list(d)) {
        if (children.findAny().isPresent()) {
          return;
        }
      } catch (NoSuchFileException e) {
        continue;
      }
      Files.deleteIfExists(d);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
