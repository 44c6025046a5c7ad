package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SQL text read once from resource files, one file per query: {@code sql/<area>/<name>.sql}. Each area lists its
 * queries in a package-private enum implementing {@link Query} and loads them when its verticle starts.
 */
public final class Sql<Q extends Enum<Q> & Sql.Query> {

  /** A query backed by the file {@code sql/<area>/<name>.sql}: {@code SCHEMA_VERSION} → {@code schema-version}. */
  public interface Query {
    String area();

    String name();

    default String path() {
      return area() + "/" + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final Map<Q, String> texts;

  private Sql(Map<Q, String> texts) {
    this.texts = texts;
  }

  /** Reads the file of every constant of {@code queries} (from the classpath, through Vert.x's file resolver). */
  public static <Q extends Enum<Q> & Query> Future<Sql<Q>> load(Vertx vertx, Class<Q> queries) {
    Q[] all = queries.getEnumConstants();
    List<Future<String>> reads = new ArrayList<>();
    for (Q query : all) {
      reads.add(vertx.fileSystem().readFile("sql/" + query.path() + ".sql").map(b -> b.toString().strip()));
    }
    return Future.all(reads).map(done -> {
      Map<Q, String> texts = new HashMap<>();
      for (int i = 0; i < all.length; i++) {
        texts.put(all[i], done.resultAt(i));
      }
      return new Sql<>(texts);
    });
  }

  public String get(Q query) {
    return texts.get(query);
  }
}
