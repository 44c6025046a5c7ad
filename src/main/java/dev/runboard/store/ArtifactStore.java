package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/** The read side of stored files: one artifact by id, for serving it. Files are written by {@link RunStore}. */
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
}
