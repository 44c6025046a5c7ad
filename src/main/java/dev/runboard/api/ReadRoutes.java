package dev.runboard.api;

import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.bus.EventPublisher;
import dev.runboard.config.AppConfig;
import dev.runboard.model.FileLinks;
import dev.runboard.store.FileStorage;
import dev.runboard.store.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;

/**
 * The dashboard's read API: projects, runs, results, test history, flaky and slowest tests, trends, failure groups
 * and triage (failure context, run comparison) (viewer role), plus the administrators' project edits, run
 * deletion, retention settings, pins and storage use. Lists are keyset-paged with opaque cursors ({@code limit}
 * 1–200, default 50); every query parameter is checked (400 {@code validation_failed} naming it).
 *
 * <p>Publishes {@code run-deleted}; a deleted run's files are removed from the {@link FileStorage}.
 */
public final class ReadRoutes {

  static final long BODY_LIMIT = 64 * 1024;

  private final ProjectHandler projects;
  private final RunHandler runs;
  private final TestHandler tests;
  private final FailureGroupHandler failures;
  private final RetentionHandler retention;
  private final TriageHandler triage;

  private ReadRoutes(ProjectHandler projects, RunHandler runs, TestHandler tests, FailureGroupHandler failures,
                     RetentionHandler retention, TriageHandler triage) {
    this.projects = projects;
    this.runs = runs;
    this.tests = tests;
    this.failures = failures;
    this.retention = retention;
    this.triage = triage;
  }

  public static Future<ReadRoutes> create(Vertx vertx, Pool pool, FileStorage files, EventPublisher events,
                                          FileLinks links, AppConfig config) {
    return Sql.load(vertx, ApiQuery.class).map(sql -> {
      SlowestTests.Kept kept = SlowestTests.Kept.of(vertx, SlowestTests.MAX_KEPT_DURATIONS);
      ProjectHandler projects = new ProjectHandler(pool, sql, new SlowestTests(vertx, pool, sql, kept));
      RunHandler runs = new RunHandler(pool, sql, projects, files, events, links);
      return new ReadRoutes(projects, runs, new TestHandler(pool, sql, projects),
        new FailureGroupHandler(pool, sql, projects, runs), new RetentionHandler(pool, sql, config),
        new TriageHandler(pool, sql));
    });
  }

  public void mount(Router router, Guard guard) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
    // Projects
    guard.protect(router.get("/api/projects"), Access.VIEWER).handler(projects::listProjects);
    guard.protect(router.get("/api/projects/:projectId"), Access.VIEWER).handler(projects::getProject);
    guard.protect(router.patch("/api/projects/:projectId"), Access.ADMINISTRATOR).handler(body)
      .handler(projects::updateProject);
    guard.protect(router.get("/api/projects/:projectId/runs"), Access.VIEWER).handler(runs::listProjectRuns);
    guard.protect(router.get("/api/projects/:projectId/trends"), Access.VIEWER).handler(projects::trends);
    guard.protect(router.get("/api/projects/:projectId/flaky-tests"), Access.VIEWER).handler(projects::flakyTests);
    guard.protect(router.get("/api/projects/:projectId/slowest-tests"), Access.VIEWER)
      .handler(projects::slowestTests);
    guard.protect(router.get("/api/projects/:projectId/failure-groups"), Access.VIEWER)
      .handler(failures::projectGroups);
    guard.protect(router.get("/api/projects/:projectId/tests"), Access.VIEWER).handler(tests::searchTests);
    // Runs
    guard.protect(router.get("/api/test-runs"), Access.VIEWER).handler(runs::listRuns);
    guard.protect(router.get("/api/test-runs/:runId"), Access.VIEWER).handler(runs::getRun);
    guard.protect(router.delete("/api/test-runs/:runId"), Access.ADMINISTRATOR).handler(runs::deleteRun);
    guard.protect(router.get("/api/test-runs/:runId/results"), Access.VIEWER).handler(runs::listResults);
    guard.protect(router.get("/api/test-runs/:runId/failure-groups"), Access.VIEWER).handler(failures::runGroups);
    guard.protect(router.get("/api/test-runs/:runId/failure-context"), Access.VIEWER)
      .handler(triage::failureContext);
    guard.protect(router.get("/api/test-runs/:runId/compare"), Access.VIEWER).handler(triage::compare);
    // Tests
    guard.protect(router.get("/api/tests/:testId"), Access.VIEWER).handler(tests::getTest);
    guard.protect(router.get("/api/tests/:testId/history"), Access.VIEWER).handler(tests::history);
    // Retention
    guard.protect(router.get("/api/projects/:projectId/retention"), Access.ADMINISTRATOR)
      .handler(retention::getProjectRetention);
    guard.protect(router.put("/api/projects/:projectId/retention"), Access.ADMINISTRATOR).handler(body)
      .handler(retention::putProjectRetention);
    guard.protect(router.post("/api/test-runs/:runId/pin"), Access.ADMINISTRATOR).handler(retention::pinRun);
    guard.protect(router.delete("/api/test-runs/:runId/pin"), Access.ADMINISTRATOR).handler(retention::unpinRun);
    guard.protect(router.get("/api/admin/usage"), Access.ADMINISTRATOR).handler(retention::usage);
  }
}
