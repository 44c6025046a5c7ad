'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

/**
 * The Playwright-dashboard report archive: gzip of repeated
 * `[uint32 LE path length][UTF-8 path][uint32 LE content length][content]`, paths relative with `/`.
 */
function packEntries(entries) {
  const chunks = [];
  for (const { path: name, content } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(nameBytes.length, 0);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(body.length, 0);
    chunks.push(header, nameBytes, size, body);
  }
  return zlib.gzipSync(Buffer.concat(chunks));
}

function unpackEntries(gz) {
  const data = zlib.gunzipSync(gz);
  const entries = [];
  let offset = 0;
  while (offset < data.length) {
    if (offset + 4 > data.length) throw new Error('truncated archive: path length');
    const nameLength = data.readUInt32LE(offset);
    offset += 4;
    if (offset + nameLength + 4 > data.length) throw new Error('truncated archive: path');
    const name = data.subarray(offset, offset + nameLength).toString('utf8');
    offset += nameLength;
    const size = data.readUInt32LE(offset);
    offset += 4;
    if (offset + size > data.length) throw new Error('truncated archive: content of ' + name);
    entries.push({ path: name, content: Buffer.from(data.subarray(offset, offset + size)) });
    offset += size;
  }
  return entries;
}

/** The regular files under `folder` (symbolic links are skipped), as archive entries, sorted by path. */
function folderEntries(folder) {
  const entries = [];
  const walk = (dir, prefix) => {
    for (const dirent of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, dirent.name);
      const name = prefix ? prefix + '/' + dirent.name : dirent.name;
      if (dirent.isDirectory()) {
        walk(full, name);
      } else if (dirent.isFile()) {
        entries.push({ path: name, content: fs.readFileSync(full) });
      }
    }
  };
  walk(folder, '');
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return entries;
}

function packFolder(folder) {
  return packEntries(folderEntries(folder));
}

module.exports = { packEntries, unpackEntries, folderEntries, packFolder };
