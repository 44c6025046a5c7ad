package dev.runboard.store;

/** Read queries of stored files, in {@code sql/store/}. */
enum ArtifactQuery implements Sql.Query {
  FIND_ARTIFACT;

  @Override
  public String area() {
    return "store";
  }
}
