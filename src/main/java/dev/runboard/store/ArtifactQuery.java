package dev.runboard.store;

/** Read queries of stored files, in {@code sql/store/}. */
enum ArtifactQuery implements Sql.Query {
  FIND_ARTIFACT("find-artifact");

  private final String path;

  ArtifactQuery(String name) {
    this.path = "store/" + name;
  }

  @Override
  public String path() {
    return path;
  }
}
