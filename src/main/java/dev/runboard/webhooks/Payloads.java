package dev.runboard.webhooks;

import dev.runboard.model.Counters;
import dev.runboard.model.RunSummary;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The body of a delivery in its webhook's format: {@code generic} (Runboard's JSON: the event, project, run
 * summary, link and new failures), {@code slack} (an incoming-webhook message: {@code text} plus Block Kit
 * {@code blocks}) or {@code teams} (a message with an Adaptive Card, which Teams incoming webhooks and Workflows
 * accept).
 */
final class Payloads {

  /** New failures listed in chat messages (the generic body lists up to {@link WebhookStore#LISTED_NEW_FAILURES}). */
  static final int CHAT_LISTED = 10;
  private static final int MAX_TITLE = 200;

  private Payloads() {
  }

  static JsonObject render(String format, Notice notice) {
    return switch (format) {
      case "slack" -> slack(notice);
      case "teams" -> teams(notice);
      default -> generic(notice);
    };
  }

  // ----- generic ----------------------------------------------------------------------------------------------

  static JsonObject generic(Notice notice) {
    JsonObject body = new JsonObject().put("event", notice.event().wire()).put("deliveryId", notice.deliveryId())
      .put("webhookId", notice.webhookId())
      .put("project", new JsonObject().put("id", notice.projectId()).put("name", notice.projectName())
        .put("url", notice.projectUrl()))
      .put("text", headline(notice) + (notice.run() == null ? "" : ": " + summaryLine(notice)));
    RunSummary run = notice.run();
    if (run == null) {
      return body;
    }
    Notice.NewFailures news = notice.newFailures();
    JsonArray tests = new JsonArray();
    for (Notice.FailedTest test : news.tests()) {
      tests.add(new JsonObject().put("testId", test.testId()).put("file", test.file())
        .put("titlePath", new JsonArray(test.titlePath())).put("playwrightProject", test.playwrightProject())
        .put("status", test.status()).put("url", notice.testUrl(test)));
    }
    return body.put("run", JsonObject.mapFrom(run)).put("url", notice.runUrl()).put("branch", notice.branch())
      .put("newFailures", new JsonObject().put("count", news.count()).put("previousRunId", news.previousRunId())
        .put("tests", tests));
  }

  // ----- Slack ------------------------------------------------------------------------------------------------

  static JsonObject slack(Notice notice) {
    String title = slackLink(notice.runUrl() != null ? notice.runUrl() : notice.projectUrl(), headline(notice));
    JsonArray blocks = new JsonArray();
    String text = emoji(notice) + " *" + title + "*";
    if (notice.run() != null) {
      text += "\n" + slackEscape(summaryLine(notice));
    }
    blocks.add(section(text));
    List<Notice.FailedTest> listed = listed(notice);
    if (!listed.isEmpty()) {
      StringBuilder lines = new StringBuilder("*New failures (" + notice.newFailures().count() + ")*, passed in run #"
        + notice.newFailures().previousRunId() + ":");
      for (Notice.FailedTest test : listed) {
        lines.append("\n• ").append(slackLink(notice.testUrl(test), testTitle(test)));
      }
      int more = notice.newFailures().count() - listed.size();
      if (more > 0) {
        lines.append("\n…and ").append(more).append(" more");
      }
      blocks.add(section(lines.toString()));
    }
    return new JsonObject().put("text", headline(notice) + (notice.run() == null ? "" : ": " + summaryLine(notice)))
      .put("blocks", blocks);
  }

  private static JsonObject section(String mrkdwn) {
    return new JsonObject().put("type", "section")
      .put("text", new JsonObject().put("type", "mrkdwn").put("text", mrkdwn));
  }

  private static String slackLink(String url, String text) {
    return url == null ? slackEscape(text) : "<" + url + "|" + slackEscape(text) + ">";
  }

  /** Slack's three control characters in message text. */
  static String slackEscape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String emoji(Notice notice) {
    if (notice.run() == null) {
      return ":wave:";
    }
    if (notice.event() == WebhookEvent.RUN_NEW_FAILURES) {
      return ":rotating_light:";
    }
    return switch (notice.run().status()) {
      case PASSED -> ":white_check_mark:";
      case FAILED -> ":x:";
      case TIMEDOUT -> ":hourglass:";
      case INTERRUPTED -> ":warning:";
      case RUNNING -> ":arrows_counterclockwise:";
    };
  }

  // ----- Microsoft Teams --------------------------------------------------------------------------------------

  static JsonObject teams(Notice notice) {
    JsonArray body = new JsonArray().add(new JsonObject().put("type", "TextBlock").put("text", headline(notice))
      .put("weight", "Bolder").put("size", "Medium").put("wrap", true).put("color", teamsColor(notice)));
    RunSummary run = notice.run();
    if (run != null) {
      Counters c = run.counters();
      JsonArray facts = new JsonArray().add(fact("Passed", c.passed())).add(fact("Failed", c.failed()));
      if (c.timedOut() > 0) {
        facts.add(fact("Timed out", c.timedOut()));
      }
      facts.add(fact("Skipped", c.skipped())).add(fact("Flaky", c.flaky()));
      if (c.interrupted() > 0) {
        facts.add(fact("Interrupted", c.interrupted()));
      }
      if (notice.branch() != null) {
        facts.add(new JsonObject().put("title", "Branch").put("value", notice.branch()));
      }
      if (run.duration() != null) {
        facts.add(new JsonObject().put("title", "Duration").put("value", duration(run.duration())));
      }
      body.add(new JsonObject().put("type", "FactSet").put("facts", facts));
    } else {
      body.add(new JsonObject().put("type", "TextBlock").put("wrap", true)
        .put("text", "This webhook of project " + notice.projectName() + " works."));
    }
    List<Notice.FailedTest> listed = listed(notice);
    if (!listed.isEmpty()) {
      body.add(new JsonObject().put("type", "TextBlock").put("weight", "Bolder").put("wrap", true)
        .put("text", "New failures (" + notice.newFailures().count() + "), passed in run #"
          + notice.newFailures().previousRunId()));
      StringBuilder lines = new StringBuilder();
      for (Notice.FailedTest test : listed) {
        lines.append(lines.length() == 0 ? "" : "\n").append("- ").append(testTitle(test));
      }
      int more = notice.newFailures().count() - listed.size();
      if (more > 0) {
        lines.append("\n- …and ").append(more).append(" more");
      }
      body.add(new JsonObject().put("type", "TextBlock").put("wrap", true).put("text", lines.toString()));
    }
    JsonObject card = new JsonObject().put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
      .put("type", "AdaptiveCard").put("version", "1.4").put("body", body);
    String link = notice.runUrl() != null ? notice.runUrl() : notice.projectUrl();
    if (link != null) {
      card.put("actions", new JsonArray().add(new JsonObject().put("type", "Action.OpenUrl")
        .put("title", run != null ? "Open run #" + run.id() : "Open project").put("url", link)));
    }
    return new JsonObject().put("type", "message").put("attachments", new JsonArray().add(new JsonObject()
      .put("contentType", "application/vnd.microsoft.card.adaptive").putNull("contentUrl").put("content", card)));
  }

  private static JsonObject fact(String title, int value) {
    return new JsonObject().put("title", title).put("value", String.valueOf(value));
  }

  private static String teamsColor(Notice notice) {
    if (notice.run() == null) {
      return "Default";
    }
    if (notice.event() == WebhookEvent.RUN_NEW_FAILURES) {
      return "Attention";
    }
    return switch (notice.run().status()) {
      case PASSED -> "Good";
      case FAILED, TIMEDOUT -> "Attention";
      case INTERRUPTED -> "Warning";
      case RUNNING -> "Default";
    };
  }

  // ----- shared wording ---------------------------------------------------------------------------------------

  /** "shop-web: run #42 failed". */
  static String headline(Notice notice) {
    RunSummary run = notice.run();
    if (run == null) {
      return notice.projectName() + ": test delivery from Runboard";
    }
    String subject = notice.projectName() + ": run #" + run.id();
    if (notice.event() == WebhookEvent.RUN_NEW_FAILURES) {
      int count = notice.newFailures().count();
      return subject + " has " + count + " new failure" + (count == 1 ? "" : "s");
    }
    return subject + " " + switch (run.status()) {
      case PASSED -> "passed";
      case FAILED -> "failed";
      case TIMEDOUT -> "timed out";
      case INTERRUPTED -> "was interrupted";
      case RUNNING -> "is running";
    };
  }

  /** "120 passed, 3 failed, 2 skipped of 125 tests · main @ abc1234 · 3m 12s". */
  static String summaryLine(Notice notice) {
    RunSummary run = notice.run();
    Counters c = run.counters();
    List<String> parts = new ArrayList<>();
    parts.add(c.passed() + " passed");
    if (c.failed() > 0) {
      parts.add(c.failed() + " failed");
    }
    if (c.timedOut() > 0) {
      parts.add(c.timedOut() + " timed out");
    }
    if (c.interrupted() > 0) {
      parts.add(c.interrupted() + " interrupted");
    }
    if (c.skipped() > 0) {
      parts.add(c.skipped() + " skipped");
    }
    if (c.flaky() > 0) {
      parts.add(c.flaky() + " flaky");
    }
    StringBuilder line = new StringBuilder(String.join(", ", parts)).append(" of ").append(c.total())
      .append(c.total() == 1 ? " test" : " tests");
    String commit = commit(run);
    if (notice.branch() != null || commit != null) {
      line.append(" · ").append(notice.branch() != null ? notice.branch() : "")
        .append(notice.branch() != null && commit != null ? " @ " : "").append(commit != null ? commit : "");
    }
    if (run.duration() != null) {
      line.append(" · ").append(duration(run.duration()));
    }
    return line.toString();
  }

  private static String commit(RunSummary run) {
    if (run.metadata() != null && run.metadata().get("scm") instanceof Map<?, ?> scm
      && scm.get("commit") instanceof String sha && !sha.isBlank()) {
      return sha.length() > 7 ? sha.substring(0, 7) : sha;
    }
    return null;
  }

  private static List<Notice.FailedTest> listed(Notice notice) {
    if (notice.run() == null || notice.newFailures().count() == 0) {
      return List.of();
    }
    List<Notice.FailedTest> tests = notice.newFailures().tests();
    return tests.subList(0, Math.min(CHAT_LISTED, tests.size()));
  }

  /** "tests/cart.spec.ts › cart › adds an item [firefox]", at most {@value #MAX_TITLE} characters. */
  static String testTitle(Notice.FailedTest test) {
    String title = test.file() + " › " + String.join(" › ", test.titlePath())
      + (test.playwrightProject() == null || test.playwrightProject().isEmpty() ? ""
      : " [" + test.playwrightProject() + "]");
    return title.length() > MAX_TITLE ? title.substring(0, MAX_TITLE - 1) + "…" : title;
  }

  /** 450 ms, 12.3 s, 3m 12s, 1h 05m. */
  static String duration(long ms) {
    if (ms < 1_000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    long seconds = ms / 1000;
    if (seconds < 3600) {
      return (seconds / 60) + "m " + String.format(java.util.Locale.ROOT, "%02d", seconds % 60) + "s";
    }
    return (seconds / 3600) + "h " + String.format(java.util.Locale.ROOT, "%02d", (seconds % 3600) / 60) + "m";
  }
}
