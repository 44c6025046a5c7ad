package dev.runboard.ingest;

/**
 * A test location {@code <file>:<line>:<column>}. Line and column are the rightmost {@code :}-separated numeric
 * segments, so Windows paths keep their drive letter: {@code C:\repo\a.spec.ts:10:5} is file
 * {@code C:/repo/a.spec.ts}, line 10, column 5. Backslashes become {@code /}.
 */
record Location(String file, Integer line, Integer column) {

  static Location parse(String location) {
    String rest = location;
    Integer last = null;
    Integer beforeLast = null;
    int colon = rest.lastIndexOf(':');
    if (colon >= 0 && number(rest.substring(colon + 1)) != null) {
      last = number(rest.substring(colon + 1));
      rest = rest.substring(0, colon);
      colon = rest.lastIndexOf(':');
      if (colon >= 0 && number(rest.substring(colon + 1)) != null) {
        beforeLast = number(rest.substring(colon + 1));
        rest = rest.substring(0, colon);
      }
    }
    String file = rest.replace('\\', '/');
    return beforeLast != null ? new Location(file, beforeLast, last) : new Location(file, last, null);
  }

  private static Integer number(String segment) {
    if (segment.isEmpty() || segment.length() > 9 || !segment.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    return Integer.parseInt(segment);
  }
}
