import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';

/** Options of runboard-reporter. Each one also documented in docs/reporter.md. */
export interface RunboardReporterOptions {
  /** The Runboard server, e.g. `https://runboard.example.com`. Env: `RUNBOARD_URL`. Required. */
  serverUrl?: string;
  /** An API key of a `reporter` account (`rb_…`). Env: `RUNBOARD_API_KEY`. Required. Never logged. */
  apiKey?: string;
  /** The Runboard project (1–100 characters; created on first use). Env: `RUNBOARD_PROJECT`. Required. */
  projectName?: string;
  /** Shown with the project when the run creates it. */
  projectDescription?: string;
  /** Stream results live (default `true`); `false` sends the whole run once at the end (`submit`/`upload`). */
  streaming?: boolean;
  /** Send as soon as this many results wait (1–1000, default 50). */
  batchSize?: number;
  /** …or after this many milliseconds (default 250). */
  flushInterval?: number;
  /** Tell the server the run is alive after this many idle milliseconds (default 30000; 0 = never). */
  keepAliveInterval?: number;
  /** Time limit of one request in milliseconds (default 15000; file uploads get the rest of the budget). */
  requestTimeout?: number;
  /** Attempts per request before the server counts as unreachable (default 5). */
  retries?: number;
  /** Most milliseconds the end of the run may take: flush, files and finish (default 60000). */
  timeBudget?: number;
  /** Results kept in memory while the server lags (default 10000); more are resent from the spool. */
  maxQueue?: number;
  /** Names this run for the server; a retried start with the same key resumes it. Env: `RUNBOARD_RUN_KEY`.
   *  Default: from the CI job's ids (stable across retries of the job), else random per process. */
  runKey?: string;
  /** The CI build this run belongs to: every shard (`--shard=i/n`) with the same buildId streams into one run.
   *  Env: `RUNBOARD_BUILD_ID`. Trimmed; over 200 characters it is shortened (its start and a hash).
   *  Default, for sharded runs only: from CI (GitHub Actions `<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>`, GitLab
   *  `CI_PIPELINE_ID`, CircleCI `CIRCLE_WORKFLOW_ID`, Jenkins `BUILD_TAG`, Azure `BUILD_BUILDID`, Buildkite
   *  `BUILDKITE_BUILD_ID`, Travis `TRAVIS_BUILD_ID`). When set, an unsharded run is a one-shard build. */
  buildId?: string;
  /** Where results wait until delivered. Env: `RUNBOARD_SPOOL_FILE`.
   *  Default: `.runboard/spool-<runKey>-<time>-<pid>.jsonl` under the working folder (deleted once delivered). */
  spoolFile?: string;
  /** Labels of the run. Env: `RUNBOARD_TAGS` (comma-separated). */
  tags?: string[];
  /** Any JSON object, stored with the run's metadata. */
  customData?: Record<string, unknown>;
  /** Upload the HTML report when the html reporter ran (default `true`). */
  uploadReport?: boolean;
  /** Upload traces, screenshots and videos of each attempt (default `true`). */
  uploadAttachments?: boolean;
  /** The HTML report folder, when it cannot be found from the html reporter's options. */
  htmlReportFolder?: string;
}

declare class RunboardReporter implements Reporter {
  constructor(options?: RunboardReporterOptions);
  printsToStdio(): boolean;
  onBegin(config: FullConfig, suite: Suite): void;
  onTestBegin(test: TestCase, result: TestResult): void;
  onTestEnd(test: TestCase, result: TestResult): void;
  onEnd(result: FullResult): Promise<void>;
  onExit(): Promise<void>;
}

export default RunboardReporter;
export { RunboardReporter };
