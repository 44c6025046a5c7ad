package dev.runboard.webhooks;

import dev.runboard.model.RunSummary;

import java.util.List;

/**
 * What one delivery tells, whatever its format: the event, the project, the run (null for a test delivery) with
 * its new failures, and the dashboard's origin for links (null when unknown: no links then).
 */
record Notice(WebhookEvent event, long deliveryId, long webhookId, long projectId, String projectName,
              RunSummary run, String branch, NewFailures newFailures, String baseUrl) {

  /** Tests that passed in {@code previousRunId} and failed in this run: their number, and the first of them. */
  record NewFailures(int count, Long previousRunId, List<FailedTest> tests) {
  }

  record FailedTest(long testId, String file, List<String> titlePath, String playwrightProject, String status) {
  }

  String runUrl() {
    return baseUrl == null || run == null ? null : baseUrl + "/runs/" + run.id();
  }

  String projectUrl() {
    return baseUrl == null ? null : baseUrl + "/projects/" + projectId;
  }

  String testUrl(FailedTest test) {
    return baseUrl == null ? null : baseUrl + "/tests/" + test.testId();
  }
}
