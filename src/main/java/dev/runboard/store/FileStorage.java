package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.streams.ReadStream;

import java.nio.file.Path;

/**
 * Where the files of runs live, and the one owner of their layout: uploads put files through it, file serving
 * reads them (by byte range, streamed, never buffered whole), and deleting a run removes them.
 *
 * <p>An artifact is either one file or an extracted report archive (a tree of entries). Its
 * {@link StoredArtifact#storagePath() storage path} (the key under which the storage keeps it) is chosen by
 * {@link #pathOf}: {@code runs/<runId>/reports/<id>/} for reports, {@code runs/<runId>/attachments/<id>/} for
 * attempt files, followed by the file's name for single files, so that deleting a run is deleting one prefix.
 *
 * <p>One instance per node ({@link FileStorages#create}), {@link #start started} before the node serves and
 * {@link #stop stopped} after. Implementations: {@link FilesystemStorage}, {@link S3Storage}.
 */
public interface FileStorage {

  /** A readable file: an artifact's file or one entry of its archive. */
  record Entry(String key, String name, long size) {
  }

  /** The storage path of a new artifact. */
  static String pathOf(long runId, long artifactId, String kind, String fileName, boolean archive) {
    String base = "runs/" + runId + ("report".equals(kind) ? "/reports/" : "/attachments/") + artifactId;
    return archive ? base : base + "/" + fileName;
  }

  /** A file's name on disk and in its URL: letters, digits, {@code . _ -} only, not starting with a dot. */
  static String safeName(String name) {
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[.]+", "");
    if (safe.length() > 100) {
      int dot = safe.lastIndexOf('.');
      String extension = dot > 0 && safe.length() - dot <= 16 ? safe.substring(dot) : "";
      safe = safe.substring(0, 100 - extension.length()) + extension;
    }
    return safe.isEmpty() ? "file" : safe;
  }

  /**
   * Checks, before the node serves, that it can use the storage, and in a cluster that it shares it with the
   * other nodes; a failed future stops the start with a message naming the storage.
   *
   * @param cluster the cluster this node joined, or null when it runs alone
   */
  Future<Void> start(ClusterManager cluster);

  /** Releases what {@link #start} and the storage hold (clients, threads, this node's marks). */
  Future<Void> stop();

  /**
   * Stores an artifact's content from the local disk: a file, or, for an archive, the folder its entries were
   * extracted to. The source is consumed (moved or copied, then removed).
   */
  Future<Void> put(StoredArtifact artifact, Path source);

  /** Removes what {@link #put} stored for an artifact (a failed upload undoing itself). */
  Future<Void> remove(StoredArtifact artifact);

  /** Removes every file of a run. */
  Future<Void> removeRun(long runId);

  /**
   * The artifact's file ({@code entry} empty or its own name), or the entry of its archive at the relative
   * path {@code entry} ({@code index.html} of a folder when it names one, or when it is empty). Null when there
   * is no such file. {@code entry} must already be a plain relative path (no {@code ..}, no leading slash).
   */
  Future<Entry> find(StoredArtifact artifact, String entry);

  /** The bytes {@code [offset, offset + length)} of an entry, streamed. */
  Future<ReadStream<Buffer>> read(Entry entry, long offset, long length);
}
