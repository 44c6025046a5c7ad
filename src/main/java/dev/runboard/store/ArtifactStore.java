package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;
import java.util.Arrays;

/** The read side of stored files: one artifact by id, for serving it. Files are written by {@link RunStore}. */
public final class ArtifactStore {

  private final Pool pool;
  private final Sql<ArtifactQuery> sql;

  private ArtifactStore(Pool pool, Sql<ArtifactQuery> sql) {
    this.pool = pool;
    this.sql = sql;
  }

  public static Future<ArtifactStore> create(Vertx vertx, Pool pool) {
    return Sql.load(vertx, ArtifactQuery.class).map(sql -> new ArtifactStore(pool, sql));
  }

  /** The artifact, or null when there is none with this id. */
  public Future<StoredArtifact> find(long id) {
    return pool.preparedQuery(sql.get(ArtifactQuery.FIND_ARTIFACT)).execute(Tuple.of(id))
      .map(rows -> rows.iterator().hasNext() ? artifact(rows.iterator().next()) : null);
  }

  private static StoredArtifact artifact(Row row) {
    String storagePath = row.getString("storage_path");
    Integer entryCount = row.getInteger("entry_count");
    JsonObject attempt = null;
    if (row.getValue("file") != null) {
      attempt = new JsonObject().put("titlePath", new JsonArray(Arrays.asList(row.getArrayOfStrings("title_path"))))
        .put("file", row.getString("file")).put("playwrightProject", row.getString("playwright_project"))
        .put("retry", row.getInteger("retry"));
    }
    String fileName = entryCount != null ? null : Path.of(storagePath).getFileName().toString();
    return new StoredArtifact(row.getLong("id"), row.getLong("run_id"), row.getString("kind"),
      row.getString("report_type"), row.getString("label"), row.getString("name"), fileName,
      row.getString("content_type"), row.getLong("size_bytes"), storagePath, entryCount, attempt);
  }
}
