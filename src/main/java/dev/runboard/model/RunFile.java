package dev.runboard.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * A stored file of a run, in its wire shape ({@code run-files} events, upload answers, the read API).
 * {@code url} and {@code expiresAt} are given by the server's {@link FileLinks} when the file is sent to a client:
 * an absolute URL on the files origin carrying a capability that is valid until {@code expiresAt}; stored events
 * and bus messages carry neither.
 *
 * @param kind       {@code report}, {@code trace}, {@code screenshot}, {@code video} or {@code other}
 * @param expiresAt  when {@code url} stops working (ISO-8601, UTC): ask for the file again before then
 * @param reportType for reports: the {@code <type>} of {@code report_<type>}, with its {@code label}
 * @param entries    for an extracted report archive: how many entries it has
 * @param attempt    the attempt the file belongs to, if any
 */
public record RunFile(long id, String kind, String name, String contentType, long size,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String url,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String expiresAt,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String reportType,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String label,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Integer entries,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Attempt attempt) {

  /** A file without an expiry (as stored: {@code url} null). */
  public RunFile(long id, String kind, String name, String contentType, long size, String url, String reportType,
                 String label, Integer entries, Attempt attempt) {
    this(id, kind, name, contentType, size, url, null, reportType, label, entries, attempt);
  }

  /** The attempt a file belongs to: its test's identity and the retry. */
  public record Attempt(List<String> titlePath, String file, String playwrightProject, int retry) {
  }

  public boolean archive() {
    return entries != null;
  }

  public RunFile withUrl(String url, String expiresAt) {
    return new RunFile(id, kind, name, contentType, size, url, expiresAt, reportType, label, entries, attempt);
  }
}
