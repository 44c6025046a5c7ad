package dev.runboard.bench;

import java.util.Arrays;
import java.util.List;

/** Percentiles (nearest rank) and medians. */
final class Stats {

  private Stats() {
  }

  /** Nearest-rank percentile of unsorted values (sorted in place). */
  static long pct(long[] values, int count, double p) {
    if (count == 0) {
      return -1;
    }
    Arrays.sort(values, 0, count);
    int rank = (int) Math.ceil(p / 100.0 * count);
    return values[Math.max(0, Math.min(count - 1, rank - 1))];
  }

  static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }
}
