'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { backoffDelay, backoffBounds, isRetryable } = require('../../lib/backoff');

test('delays grow exponentially from base and stay within [ceiling/2, ceiling]', () => {
  const options = { base: 250, max: 5000 };
  const ceilings = [250, 500, 1000, 2000, 4000, 5000, 5000];
  ceilings.forEach((ceiling, i) => {
    const attempt = i + 1;
    assert.equal(backoffDelay(attempt, { ...options, random: () => 0 }), ceiling / 2, `attempt ${attempt} lowest`);
    assert.equal(backoffDelay(attempt, { ...options, random: () => 0.999999 }), ceiling, `attempt ${attempt} highest`);
    assert.deepEqual(backoffBounds(attempt, options), { min: ceiling / 2, max: ceiling });
  });
});

test('random delays never leave the bounds, also for huge attempt numbers', () => {
  for (let attempt = 1; attempt <= 200; attempt++) {
    const { min, max } = backoffBounds(attempt);
    for (let i = 0; i < 20; i++) {
      const delay = backoffDelay(attempt);
      assert.ok(delay >= min && delay <= max, `attempt ${attempt}: ${delay} not in [${min}, ${max}]`);
    }
  }
});

test('jitter spreads the delays of one attempt', () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
  assert.ok(delays.size > 10);
});

test('retries network errors, timeouts, 5xx, 408 and 429, not other 4xx', () => {
  for (const status of [undefined, 500, 502, 503, 504, 408, 429]) assert.equal(isRetryable(status), true, String(status));
  for (const status of [400, 401, 403, 404, 409, 413, 415]) assert.equal(isRetryable(status), false, String(status));
});
