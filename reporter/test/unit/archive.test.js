'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { packEntries, unpackEntries, packFolder } = require('../../lib/archive');

test('the .gz archive is gzip of [u32 LE path length][UTF-8 path][u32 LE content length][content]', () => {
  const gz = packEntries([{ path: 'ä/b.txt', content: Buffer.from('hi') }]);
  const raw = zlib.gunzipSync(gz);
  const name = Buffer.from('ä/b.txt', 'utf8');
  const expected = Buffer.concat([Buffer.from([name.length, 0, 0, 0]), name, Buffer.from([2, 0, 0, 0]), Buffer.from('hi')]);
  assert.deepEqual(raw, expected);
});

test('entries round-trip, binary and empty contents included', () => {
  const entries = [
    { path: 'index.html', content: Buffer.from('<html></html>') },
    { path: 'data/0a1b.zip', content: Buffer.from([0, 1, 2, 255, 254, 0]) },
    { path: 'empty.txt', content: Buffer.alloc(0) },
    { path: 'trace/日本.json', content: Buffer.alloc(70000, 7) },
  ];
  assert.deepEqual(unpackEntries(packEntries(entries)), entries);
});

test('a folder is packed with relative / paths, nested folders included', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runboard-archive-test-'));
  fs.mkdirSync(path.join(dir, 'data', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), 'report');
  fs.writeFileSync(path.join(dir, 'data', 'deep', 'x.png'), Buffer.from([137, 80, 78, 71]));
  const entries = unpackEntries(packFolder(dir));
  assert.deepEqual(entries.map((e) => e.path), ['data/deep/x.png', 'index.html']);
  assert.equal(entries[1].content.toString(), 'report');
});

test('a truncated archive is refused', () => {
  const raw = zlib.gunzipSync(packEntries([{ path: 'a', content: Buffer.from('abcdef') }]));
  assert.throws(() => unpackEntries(zlib.gzipSync(raw.subarray(0, raw.length - 2))), /truncated/);
});
