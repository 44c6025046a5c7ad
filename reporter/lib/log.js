'use strict';

/**
 * The reporter's only output: lines prefixed with `[runboard]` on stderr, each kind at most once, with the
 * secrets it knows (API key, stream tokens) masked wherever they might appear.
 */
class Log {
  constructor(write) {
    this._write = write || ((line) => process.stderr.write(line + '\n'));
    this._seen = new Set();
    this._secrets = [];
  }

  addSecret(secret) {
    if (typeof secret === 'string' && secret.length >= 4 && !this._secrets.includes(secret)) {
      this._secrets.push(secret);
    }
  }

  /** Logs `message` unless a message with the same `key` was logged before; returns whether it logged. */
  once(key, message) {
    if (this._seen.has(key)) {
      return false;
    }
    this._seen.add(key);
    this.info(message);
    return true;
  }

  info(message) {
    try {
      this._write('[runboard] ' + this.redact(String(message)));
    } catch {
      // Logging must never throw into Playwright.
    }
  }

  redact(text) {
    let out = text;
    for (const secret of this._secrets) {
      out = out.split(secret).join('***');
    }
    return out;
  }
}

module.exports = { Log };
