'use strict';

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential from `base`, capped at `max`, with
 * "equal jitter" (half fixed, half random) so that many reporters do not retry in step, yet never retry at once.
 */
function backoffDelay(attempt, { base = 250, max = 5000, random = Math.random } = {}) {
  const n = Math.max(1, Math.floor(attempt));
  const ceiling = Math.min(max, base * 2 ** Math.min(n - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Bounds of {@link backoffDelay} for an attempt, for tests and docs. */
function backoffBounds(attempt, { base = 250, max = 5000 } = {}) {
  const n = Math.max(1, Math.floor(attempt));
  const ceiling = Math.min(max, base * 2 ** Math.min(n - 1, 30));
  return { min: Math.round(ceiling / 2), max: Math.round(ceiling) };
}

/**
 * Whether a failed request may be sent again: network errors and timeouts (status undefined), 5xx, 408 and 429.
 * Other 4xx are the client's mistake and would fail the same way again.
 */
function isRetryable(status) {
  return status === undefined || status === null || status >= 500 || status === 408 || status === 429;
}

module.exports = { backoffDelay, backoffBounds, isRetryable };
