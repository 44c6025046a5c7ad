package dev.runboard.model;

/** Percentiles computed in Java exactly as PostgreSQL computes them, for values the server already holds. */
public final class Percentiles {

  private Percentiles() {
  }

  /**
   * {@code percentile_disc(fraction)} of {@code sorted} (ascending, not empty): the first value whose position is at
   * least {@code fraction} of the count; PostgreSQL takes row {@code ceil(fraction × count)} with the same double
   * arithmetic.
   */
  public static long disc(long[] sorted, double fraction) {
    long rowNumber = (long) Math.ceil(fraction * sorted.length);
    return sorted[rowNumber > 1 ? (int) rowNumber - 1 : 0];
  }
}
