package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * {@link FileStorage} in a directory ({@code storage.dir}, by default {@code <data.dir>/files}); with several
 * nodes it must be a mount they share. Blocking file work runs on worker threads. Every path is resolved inside
 * the directory, and archive entries inside their artifact's folder, without following links.
 *
 * <p>In a cluster, {@link #start} checks that the directory is shared: the node writes a marker with a random token
 * to {@code .nodes/<its cluster node id>} and publishes the token in the cluster-wide map
 * {@value #MARKER_MAP}; then it reads the marker of every other current member that published one. A marker it
 * cannot read, or with another token, means this directory is not the one those nodes write to: the start fails
 * naming both directories. Whichever of two nodes publishes second sees the other's marker, so two nodes started
 * at once are checked too. {@link #stop} removes the node's marker and map entry.
 */
public final class FilesystemStorage implements FileStorage {

  static final String MARKERS = ".nodes";
  static final String MARKER_MAP = "runboard.storage.markers";
  private static final Logger logger = LoggerFactory.getLogger(FilesystemStorage.class);

  private final Vertx vertx;
  private final Path root;
  private volatile String nodeId;

  public FilesystemStorage(Vertx vertx, Path root) {
    this.vertx = vertx;
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public Future<Void> start(ClusterManager cluster) {
    Future<Void> created = vertx.executeBlocking(() -> {
      Files.createDirectories(root);
      return null;
    }, false);
    if (cluster == null) {
      return created.onSuccess(v -> logger.info("File storage: directory {}", root));
    }
    String self = cluster.getNodeId();
    String token = UUID.randomUUID().toString();
    JsonObject marker = new JsonObject().put("token", token).put("dir", root.toString()).put("host", hostName());
    return created.compose(v -> vertx.<Void>executeBlocking(() -> {
      Files.createDirectories(root.resolve(MARKERS));
      Files.writeString(markerOf(self), marker.encode(), StandardCharsets.UTF_8);
      nodeId = self;
      return null;
    }, false)).compose(v -> vertx.sharedData().<String, String>getAsyncMap(MARKER_MAP)).compose(map ->
      map.put(self, marker.encode()).compose(v -> map.entries()).compose(published -> {
        List<String> members = cluster.getNodes();
        published.keySet().stream().filter(id -> !members.contains(id)).forEach(map::remove);
        return vertx.executeBlocking(() -> unreadable(self, members, published), false);
      })).compose(others -> {
        if (!others.isEmpty()) {
          return Future.failedFuture(new StorageUnavailableException(notShared(others), null));
        }
        logger.info("File storage: directory {}, shared with the other nodes of the cluster", root);
        return Future.succeededFuture();
      });
  }

  /** The other members' markers that this directory does not show (as they published them). */
  private List<JsonObject> unreadable(String self, List<String> members, Map<String, String> published) {
    List<JsonObject> missing = new ArrayList<>();
    published.forEach((id, text) -> {
      if (id.equals(self) || !members.contains(id)) {
        return;
      }
      JsonObject expected = new JsonObject(text);
      String found;
      try {
        found = Files.readString(markerOf(id), StandardCharsets.UTF_8);
      } catch (IOException | IllegalStateException e) {
        found = null;
      }
      if (found == null || !expected.getString("token").equals(new JsonObject(found).getString("token"))) {
        missing.add(expected.copy().put("node", id));
      }
    });
    return missing;
  }

  private String notShared(List<JsonObject> others) {
    StringBuilder names = new StringBuilder();
    for (JsonObject other : others) {
      names.append(names.length() == 0 ? "" : "; ").append("node ").append(other.getString("node"))
        .append(" on ").append(other.getString("host")).append(" with storage.dir ").append(other.getString("dir"));
    }
    return "storage.dir " + root + " is not shared with the other nodes of the cluster: it does not show the "
      + "marker (" + MARKERS + "/<node id>) written by " + names + ". Files uploaded through one node could not be "
      + "served by another: mount one shared directory as storage.dir on every node, or use storage.kind=s3.";
  }

  @Override
  public Future<Void> stop() {
    String self = nodeId;
    if (self == null) {
      return Future.succeededFuture();
    }
    nodeId = null;
    Future<Void> file = vertx.executeBlocking(() -> {
      Files.deleteIfExists(markerOf(self));
      return null;
    }, false);
    Future<Void> entry = vertx.sharedData().<String, String>getAsyncMap(MARKER_MAP)
      .compose(map -> map.remove(self)).mapEmpty();
    return Future.join(file, entry).<Void>mapEmpty()
      .onFailure(e -> logger.warn("Could not remove this node's storage marker: {}", e.toString()))
      .otherwiseEmpty();
  }

  private Path markerOf(String id) {
    if (!id.matches("[A-Za-z0-9-]{1,64}")) {
      throw new IllegalStateException("unexpected cluster node id " + id);
    }
    return root.resolve(MARKERS).resolve(id);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "an unknown host";
    }
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
