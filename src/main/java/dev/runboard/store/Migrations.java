package dev.runboard.store;

import dev.runboard.config.DatabaseUrl;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the Flyway migrations in {@code db/migration} through JDBC. Blocking. */
final class Migrations {

  private Migrations() {
  }

  /** Migrates to the newest version and returns it. */
  static String migrate(DatabaseUrl url) {
    Flyway flyway = Flyway.configure()
      .dataSource(url.jdbcUrl(), url.user(), url.password())
      .locations("classpath:db/migration")
      .connectRetries(5)
      .load();
    MigrateResult result = flyway.migrate();
    return result.targetSchemaVersion != null ? result.targetSchemaVersion
      : flyway.info().current().getVersion().getVersion();
  }
}
