package dev.runboard.config;

import io.vertx.pgclient.PgConnectOptions;

/**
 * Coordinates of a PostgreSQL server, parsed from a {@code postgresql://user:password@host:port/database} URL.
 * Both the reactive pool and Flyway's JDBC connection are built from it, so they always reach the same database.
 */
public record DatabaseUrl(String host, int port, String database, String user, String password) {

  /** Parses a libpq-style URL; throws {@link IllegalArgumentException} saying what a valid one looks like. */
  public static DatabaseUrl parse(String url) {
    String expected = "must be a PostgreSQL URL such as postgresql://user:password@localhost:5432/runboard";
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      throw new IllegalArgumentException(expected);
    }
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(expected);
    }
    if (options.getHost() == null || options.getHost().isBlank() || options.getPort() <= 0
      || options.getPort() > 65535) {
      throw new IllegalArgumentException(expected);
    }
    return new DatabaseUrl(options.getHost(), options.getPort(), options.getDatabase(), options.getUser(),
      options.getPassword());
  }

  /** The same URL with user and password replaced where {@code user}/{@code password} are not empty. */
  public DatabaseUrl withCredentials(String user, String password) {
    return new DatabaseUrl(host, port, database, user.isEmpty() ? this.user : user,
      password.isEmpty() ? this.password : password);
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost(host).setPort(port).setDatabase(database).setUser(user)
      .setPassword(password);
  }

  public String jdbcUrl() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "jdbc:postgresql://" + h + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }
}
