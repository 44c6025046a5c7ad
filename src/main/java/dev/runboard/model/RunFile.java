package dev.runboard.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * A stored file of a run, in its wire shape ({@code run-files} events, upload answers, the read API).
 * {@code url} is given by the server's {@link FileLinks} when the file is sent to a client; stored events and
 * bus messages carry none.
 *
 * @param kind       {@code report}, {@code trace}, {@code screenshot}, {@code video} or {@code other}
 * @param reportType for reports: the {@code <type>} of {@code report_<type>}, with its {@code label}
 * @param entries    for an extracted report archive: how many entries it has
 * @param attempt    the attempt the file belongs to, if any
 */
public record RunFile(long id, String kind, String name, String contentType, long size,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String url,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String reportType,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String label,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Integer entries,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Attempt attempt) {

  /** The attempt a file belongs to: its test's identity and the retry. */
  public record Attempt(List<String> titlePath, String file, String playwrightProject, int retry) {
  }

  public boolean archive() {
    return entries != null;
  }

  public RunFile withUrl(String url) {
    return new RunFile(id, kind, name, contentType, size, url, reportType, label, entries, attempt);
  }
}
