package dev.runboard.store;

import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the database schema to the newest Flyway migration before anything opens the reactive pool.
 * Flyway is blocking JDBC, so it runs on a worker thread. Reads {@code db.url}, {@code db.user}, {@code db.password}.
 * The applied schema version is left in the local map {@link Schema#LOCAL_MAP} for the readiness check.
 */
public class MigrationVerticle extends VerticleBase {

  private static final Logger logger = LoggerFactory.getLogger(MigrationVerticle.class);

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.from(config());
    DatabaseUrl url = DatabaseUrl.parse(config.dbUrl()).withCredentials(config.dbUser(), config.dbPassword());
    return vertx.executeBlocking(() -> Migrations.migrate(url))
      .onSuccess(version -> {
        Schema.rememberVersion(vertx, version);
        logger.info("Database schema at version {} ({})", version, url);
      });
  }
}
