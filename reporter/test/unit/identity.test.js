'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { titlePathOf, relativeFile, locationOf, completeEvent, beginEvent } = require('../../lib/identity');

/** A Playwright-shaped tree: root → project → file → describes → test. */
function tree({ withTypes = true, describes = ['outer', 'inner'], project = 'desktop' } = {}) {
  const suite = (type, title, parent, extra = {}) => ({ ...(withTypes ? { type } : {}), title, parent, ...extra,
    project() { return extra._project ?? (parent ? parent.project() : undefined); },
    titlePath() {
      const path = parent ? parent.titlePath() : [];
      if (title || type !== 'describe') path.push(title);
      return path;
    } });
  const root = suite('root', '', undefined);
  const projectSuite = suite('project', project, root, { _project: { name: project } });
  let parent = suite('file', 'cart/checkout.spec.ts', projectSuite);
  for (const title of describes) parent = suite('describe', title, parent);
  return {
    title: 'pays', parent, expectedStatus: 'passed', annotations: [],
    location: { file: '/repo/tests/cart/checkout.spec.ts', line: 12, column: 7 },
    titlePath() { return [...parent.titlePath(), 'pays']; },
  };
}

test('titlePath keeps the describes and the title, not root, project or file', () => {
  assert.deepEqual(titlePathOf(tree()), ['outer', 'inner', 'pays']);
  assert.deepEqual(titlePathOf(tree({ describes: [] })), ['pays']);
});

test('titlePath leaves anonymous describes out', () => {
  assert.deepEqual(titlePathOf(tree({ describes: ['outer', '', 'inner'] })), ['outer', 'inner', 'pays']);
});

test('titlePath without suite types (older Playwright) drops the first three entries of titlePath()', () => {
  assert.deepEqual(titlePathOf(tree({ withTypes: false })), ['outer', 'inner', 'pays']);
  assert.deepEqual(titlePathOf(tree({ withTypes: false, project: '' })), ['outer', 'inner', 'pays']);
});

test('file is relative to rootDir with / separators', () => {
  assert.equal(relativeFile('/repo/tests', '/repo/tests/cart/checkout.spec.ts'), 'cart/checkout.spec.ts');
  assert.equal(relativeFile('/repo/tests/', '/repo/tests/a.spec.ts'), 'a.spec.ts');
  assert.equal(relativeFile('C:\\repo\\tests', 'C:\\repo\\tests\\cart\\a.spec.ts'), 'cart/a.spec.ts');
  assert.equal(relativeFile('/repo/tests', '/elsewhere/a.spec.ts'), '/elsewhere/a.spec.ts');
  assert.equal(relativeFile(undefined, 'a\\b.spec.ts'), 'a/b.spec.ts');
});

test('location is "<file>:<line>:<column>" relative to rootDir', () => {
  assert.equal(locationOf('/repo/tests', { file: '/repo/tests/a.spec.ts', line: 10, column: 5 }), 'a.spec.ts:10:5');
  assert.equal(locationOf('/repo/tests', { file: '/repo/tests/a.spec.ts', line: 3 }), 'a.spec.ts:3');
  assert.equal(locationOf('C:\\r', { file: 'C:\\r\\x\\a.spec.ts', line: 1, column: 2 }), 'x/a.spec.ts:1:2');
});

test('a completed attempt carries identity, retry, statuses, error with location, steps, annotations, attachments', () => {
  const t = tree();
  t.expectedStatus = 'failed';
  t.annotations = [{ type: 'issue', description: 'JIRA-1' }];
  const result = {
    retry: 2, status: 'timedOut', duration: 1234.6, startTime: new Date('2026-01-02T03:04:05Z'),
    errors: [{ message: 'boom\u0000', stack: 'Error: boom\n    at x', location: { file: '/repo/tests/cart/checkout.spec.ts', line: 13, column: 9 } },
      { message: 'second' }],
    steps: [{ title: 'outer step', duration: 10, category: 'test.step', steps: [{ title: 'click', duration: 4, category: 'pw:api', steps: [] }] }],
    attachments: [{ name: 'trace', contentType: 'application/zip', path: '/x/trace.zip' }],
  };
  const event = completeEvent('/repo/tests', t, result);
  assert.equal(event.type, 'complete');
  assert.deepEqual(event.titlePath, ['outer', 'inner', 'pays']);
  assert.equal(event.playwrightProject, 'desktop');
  assert.equal(event.location, 'cart/checkout.spec.ts:12:7');
  assert.equal(event.retry, 2);
  assert.equal(event.status, 'timedOut');
  assert.equal(event.expectedStatus, 'failed');
  assert.equal(event.duration, 1235);
  assert.equal(event.startTime, '2026-01-02T03:04:05.000Z');
  assert.match(event.error.message, /^boom\n\n\[error 2 of 2\] second$/);
  assert.deepEqual(event.error.location, { file: 'cart/checkout.spec.ts', line: 13, column: 9 });
  assert.deepEqual(event.steps, [{ title: 'outer step', duration: 10, category: 'test.step' },
    { title: 'click', duration: 4, category: 'pw:api', depth: 1 }]);
  assert.deepEqual(event.annotations, [{ type: 'issue', description: 'JIRA-1' }]);
  assert.deepEqual(event.attachments, [{ name: 'trace', contentType: 'application/zip' }]);
});

test('a begin event names the attempt and nothing else', () => {
  const event = beginEvent('/repo/tests', tree(), { retry: 1, startTime: new Date(0) });
  assert.deepEqual(Object.keys(event).sort(), ['expectedStatus', 'location', 'playwrightProject', 'retry',
    'startTime', 'title', 'titlePath', 'type']);
  assert.equal(event.type, 'begin');
});

test('very long titles and error texts are cut to what the server accepts', () => {
  const t = tree();
  t.title = 'x'.repeat(5000);
  const event = completeEvent('/repo/tests', t, { retry: 0, status: 'failed', duration: 1,
    errors: [{ message: 'y'.repeat(200000) }] });
  assert.equal(event.title.length, 1000);
  assert.ok(event.error.message.length < 64 * 1024);
});
