package dev.runboard.store;

/** Queries of the store package. */
enum StoreQuery implements Sql.Query {
  SCHEMA_VERSION("store/schema-version");

  private final String path;

  StoreQuery(String path) {
    this.path = path;
  }

  @Override
  public String path() {
    return path;
  }
}
