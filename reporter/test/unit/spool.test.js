'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Spool, readSpool } = require('../../lib/spool');

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'runboard-spool-test-'));
const event = (retry) => ({ type: 'complete', title: 't', titlePath: ['s', 't'], location: 'a.spec.ts:1:1',
  playwrightProject: 'p', retry, status: retry ? 'passed' : 'failed', duration: 3 });

test('what is written is read back: header, start, run, events, files, finish', () => {
  const file = path.join(tmp(), 'nested', 'run.jsonl');
  const spool = new Spool(file);
  assert.equal(spool.open({ serverUrl: 'http://x', projectName: 'shop', runKey: 'k1', start: { startTime: 'T' } }), true);
  spool.append({ kind: 'start', body: { startTime: 'T', expectedTests: 2 } });
  spool.append({ kind: 'event', event: event(0) });
  spool.append({ kind: 'run', runKey: 'k2' });
  spool.append({ kind: 'run', runId: 7, runKey: 'k2' });
  spool.append({ kind: 'event', event: event(1) });
  spool.append({ kind: 'files', reportFolder: '/r', attachments: [{ path: '/t.zip' }] });
  spool.append({ kind: 'finish', body: { status: 'passed', duration: 9 } });
  spool.close();
  const read = readSpool(file);
  assert.equal(read.header.projectName, 'shop');
  assert.equal(read.runKey, 'k2');
  assert.equal(read.runId, 7);
  assert.deepEqual(read.start, { startTime: 'T', expectedTests: 2 });
  assert.deepEqual(read.events, [event(0), event(1)]);
  assert.deepEqual(read.files[0].attachments, [{ path: '/t.zip' }]);
  assert.deepEqual(read.finish, { status: 'passed', duration: 9 });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'only the owner reads it');
});

test('a last line cut short (the process died while writing) is ignored', () => {
  const file = path.join(tmp(), 'cut.jsonl');
  const spool = new Spool(file);
  spool.open({ projectName: 'shop', runKey: 'k' });
  spool.append({ kind: 'event', event: event(0) });
  spool.close();
  fs.appendFileSync(file, '{"kind":"event","event":{"ty');
  const read = readSpool(file);
  assert.equal(read.events.length, 1);
  assert.equal(read.finish, undefined);
});

test('a file that is not a spool is refused with its name', () => {
  const file = path.join(tmp(), 'other.jsonl');
  fs.writeFileSync(file, '{"hello":1}\n');
  assert.throws(() => readSpool(file), /is not a runboard spool file/);
  fs.writeFileSync(file, '{"kind":"header","format":"runboard-spool","version":1}\nnot json\n{"kind":"finish"}\n');
  assert.throws(() => readSpool(file), /:2 is not a spool record/);
});

test('remove deletes the file and its folder when empty; an unwritable place is reported, not thrown', () => {
  const dir = path.join(tmp(), 'spools');
  const spool = new Spool(path.join(dir, 'a.jsonl'));
  spool.open({ runKey: 'k' });
  spool.remove();
  assert.equal(fs.existsSync(dir), false);
  const blocked = path.join(tmp(), 'file');
  fs.writeFileSync(blocked, '');
  const bad = new Spool(path.join(blocked, 'x.jsonl'));
  assert.equal(bad.open({ runKey: 'k' }), false);
  assert.ok(bad.failed);
  assert.equal(bad.append({ kind: 'event' }), false);
});
