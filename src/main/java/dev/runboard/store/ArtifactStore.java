package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.function.Function;

/**
 * The read side of stored files: one artifact by id, for serving it (files of runs are written by
 * {@link RunStore}); and the trace viewers, one per Playwright version, which it also records.
 */
public final class ArtifactStore {

  private final Pool pool;
  private final Sql<StoreQuery> sql;

  ArtifactStore(Pool pool, Sql<StoreQuery> sql) {
    this.pool = pool;
    this.sql = sql;
  }

  /** The artifact, or null when there is none with this id. */
  public Future<StoredArtifact> find(long id) {
    return pool.preparedQuery(sql.get(StoreQuery.FIND_ARTIFACT)).execute(Tuple.of(id))
      .map(rows -> rows.iterator().hasNext() ? RowMappers.artifact(rows.iterator().next()) : null);
  }

  /** The trace viewer, or null when there is none with this id. */
  public Future<TraceViewer> findTraceViewer(long id) {
    return pool.preparedQuery(sql.get(StoreQuery.FIND_TRACE_VIEWER)).execute(Tuple.of(id))
      .map(ArtifactStore::viewer);
  }

  /** The trace viewer of a Playwright version, or null when none was uploaded. */
  public Future<TraceViewer> traceViewer(String version) {
    return pool.preparedQuery(sql.get(StoreQuery.TRACE_VIEWER_OF_VERSION)).execute(Tuple.of(version))
      .map(ArtifactStore::viewer);
  }

  /**
   * Records a new trace viewer and, in the same transaction, {@code place}s its files: a failure leaves neither.
   * Null (nothing placed) when the version has a viewer already.
   */
  public Future<TraceViewer> addTraceViewer(String version, int entryCount, long sizeBytes,
                                            Function<TraceViewer, Future<Void>> place) {
    return pool.withTransaction(tx -> tx.preparedQuery(sql.get(StoreQuery.INSERT_TRACE_VIEWER))
      .execute(Tuple.of(version, entryCount, sizeBytes)).compose(rows -> {
        TraceViewer viewer = viewer(rows);
        return viewer == null ? Future.succeededFuture(null) : place.apply(viewer).map(viewer);
      }));
  }

  private static TraceViewer viewer(RowSet<Row> rows) {
    if (!rows.iterator().hasNext()) {
      return null;
    }
    Row row = rows.iterator().next();
    return new TraceViewer(row.getLong("id"), row.getString("version"), row.getInteger("entry_count"),
      row.getLong("size_bytes"), row.getOffsetDateTime("created_at"));
  }
}
