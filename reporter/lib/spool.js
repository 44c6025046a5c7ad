'use strict';

const fs = require('node:fs');
const path = require('node:path');

const FORMAT = 'runboard-spool';
const VERSION = 1;

/**
 * The spool: an append-only JSON-lines file that holds everything a run must deliver (how to start it, every
 * completed attempt, the files to attach, how it finished), written as the run goes, so that what the server did
 * not get can be sent later (`runboard-reporter flush <file>`). Replaying it is safe because the server stores
 * each attempt once. It holds no credentials.
 *
 * Records: `header` (first line), `start` (the start body, once git answered), `run` (the run the server gave, or
 * a changed runKey), `event`, `files`, `finish`; then, as the end is delivered, `attached` (files the server has
 * confirmed: `report: true`, or `keys` of attachments, see {@link attachmentKey}) and `finished` (the server
 * confirmed the finish of run `runId`), so that a later `flush` sends only what is still missing.
 */
class Spool {
  constructor(file) {
    this.file = file;
    this._fd = null;
    this.lines = 0;
    this.failed = null;
  }

  /** Opens an existing spool to append records to it (a `flush` recording its progress); false on failure. */
  reopen() {
    try {
      this._fd = fs.openSync(this.file, 'a');
      return true;
    } catch (error) {
      this.failed = error;
      this._fd = null;
      return false;
    }
  }

  /** Creates the file (and its folder) with the header record; returns false (and keeps the reason) on failure. */
  open(header) {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this._fd = fs.openSync(this.file, 'w', 0o600);
      this.append({ kind: 'header', format: FORMAT, version: VERSION, createdAt: new Date().toISOString(), ...header });
      return true;
    } catch (error) {
      this.failed = error;
      this._fd = null;
      return false;
    }
  }

  append(record) {
    if (this._fd === null) {
      return false;
    }
    try {
      fs.writeSync(this._fd, JSON.stringify(record) + '\n');
      this.lines++;
      return true;
    } catch (error) {
      this.failed = error;
      return false;
    }
  }

  close() {
    if (this._fd !== null) {
      try {
        fs.closeSync(this._fd);
      } catch {
        // already closed
      }
      this._fd = null;
    }
  }

  /** Closes and deletes the file, and its folder when that is left empty. */
  remove() {
    this.close();
    try {
      fs.rmSync(this.file, { force: true });
      fs.rmdirSync(path.dirname(this.file));
    } catch {
      // the folder holds other spools, or is gone
    }
  }
}

/**
 * Reads a spool file. A last line cut short (the process died while writing it) is ignored; any other bad line
 * is an error.
 */
function readSpool(file) {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const records = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      records.push(JSON.parse(line));
    } catch (error) {
      if (i >= lines.length - 2) break;
      throw new Error(`${file}:${i + 1} is not a spool record (${error.message})`);
    }
  }
  const header = records[0];
  if (!header || header.kind !== 'header' || header.format !== FORMAT) {
    throw new Error(`${file} is not a runboard spool file`);
  }
  if (header.version !== VERSION) {
    throw new Error(`${file} has spool version ${header.version}; this reporter reads version ${VERSION}`);
  }
  const spool = { header, runKey: header.runKey, runId: undefined, start: undefined, events: [], files: [], finish: undefined,
    attached: { report: false, keys: new Set() }, finished: undefined };
  for (const record of records.slice(1)) {
    if (record.kind === 'run') {
      if (record.runKey) spool.runKey = record.runKey;
      if (record.runId) spool.runId = record.runId;
    } else if (record.kind === 'start') {
      spool.start = record.body;
    } else if (record.kind === 'event') {
      spool.events.push(record.event);
    } else if (record.kind === 'files') {
      spool.files.push(record);
    } else if (record.kind === 'finish') {
      spool.finish = record.body;
    } else if (record.kind === 'attached') {
      if (record.report) spool.attached.report = true;
      for (const key of Array.isArray(record.keys) ? record.keys : []) spool.attached.keys.add(key);
    } else if (record.kind === 'finished' && record.runId) {
      spool.finished = { runId: record.runId };
    }
  }
  return spool;
}

/** What tells one attachment of a run from another in `attached` records: its file and the attempt it belongs to. */
function attachmentKey(item) {
  return JSON.stringify([item.path, item.name, item.file, item.titlePath, item.playwrightProject, item.retry]);
}

module.exports = { Spool, readSpool, attachmentKey, FORMAT, VERSION };
