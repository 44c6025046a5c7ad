package dev.runboard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The result tables, printed as Markdown at the end (and written to bench/target/results-*.md). */
final class Report {

  private final StringBuilder out = new StringBuilder();

  void section(String title) {
    out.append("\n### ").append(title).append("\n\n");
  }

  void note(String text) {
    out.append(text).append("\n\n");
  }

  Table table(String... header) {
    return new Table(List.of(header));
  }

  final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    private Table(List<String> header) {
      this.header = header;
    }

    Table row(Object... cells) {
      List<String> row = new ArrayList<>();
      for (Object c : cells) {
        row.add(c instanceof Double d ? fmt(d) : String.valueOf(c));
      }
      rows.add(row);
      return this;
    }

    void end() {
      out.append("| ").append(String.join(" | ", header)).append(" |\n|");
      header.forEach(h -> out.append("---|"));
      out.append('\n');
      for (List<String> row : rows) {
        out.append("| ").append(String.join(" | ", row)).append(" |\n");
      }
      out.append('\n');
    }
  }

  static String fmt(double d) {
    if (Double.isNaN(d)) {
      return "–";
    }
    double a = Math.abs(d);
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", d);
    }
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", d);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", d);
    }
    return String.format(Locale.ROOT, "%.2f", d);
  }

  static String ratio(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "–" : String.format(Locale.ROOT, "%.2f×", a / b);
  }

  static String pct(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "–" : String.format(Locale.ROOT, "%.0f %%", 100 * a / b);
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
