package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL text of every query, one resource file per query under {@code sql/}, read once when a verticle starts.
 */
public final class Sql {

  /** Every query, named after its file {@code sql/<name>.sql}. */
  enum Query {
    SCHEMA_VERSION("schema-version");

    private final String file;

    Query(String name) {
      this.file = "sql/" + name + ".sql";
    }
  }

  private final Map<Query, String> texts;

  private Sql(Map<Query, String> texts) {
    this.texts = texts;
  }

  /** Reads every query file (from the classpath, through Vert.x's file resolver). */
  public static Future<Sql> load(Vertx vertx) {
    List<Future<String>> reads = new ArrayList<>();
    for (Query query : Query.values()) {
      reads.add(vertx.fileSystem().readFile(query.file).map(buffer -> buffer.toString().strip()));
    }
    return Future.all(reads).map(all -> {
      Map<Query, String> texts = new EnumMap<>(Query.class);
      for (Query query : Query.values()) {
        texts.put(query, all.resultAt(query.ordinal()));
      }
      return new Sql(texts);
    });
  }

  String get(Query query) {
    return texts.get(query);
  }
}
