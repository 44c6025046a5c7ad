'use strict';

const http = require('node:http');

/**
 * A stand-in for a Runboard server on 127.0.0.1 that records every request. `routes` may answer a request
 * (`(request) => ({status, json})`, keyed by `start`, `events`, `files`, `finish`, `upload`, `trace-viewer`;
 * `{hang: true}` never answers); by default `start` answers 201 with run 1 and a token, and the others 200 with
 * plausible bodies (the server has every trace viewer).
 */
async function fakeServer(routes = {}) {
  const requests = [];
  let tokens = 0;
  const defaults = {
    start: () => ({ status: 201, json: { runId: 1, projectId: 1, streamToken: `token-${++tokens}` } }),
    events: (r) => ({ status: 200, json: { processed: r.body.testCases.length, stored: r.body.testCases.length,
      duplicates: 0 } }),
    files: () => ({ status: 200, json: { files: [] } }),
    upload: () => ({ status: 200, json: { files: [] } }),
    finish: (r) => ({ status: 200, json: { id: 1, status: r.body.status } }),
    'trace-viewer': (r) => ({ status: 200, json: { version: r.url.split('/').pop() } }),
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const route = req.url === '/api/test-runs/start' ? 'start'
        : req.url.startsWith('/api/trace-viewers/') ? 'trace-viewer' : req.url.split('/').pop();
      const request = { method: req.method, url: req.url, route, headers: req.headers, body };
      requests.push(request);
      const answer = (routes[route] && routes[route](request, requests)) || defaults[route](request);
      if (answer.hang) return;
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.json === undefined ? '' : JSON.stringify(answer.json));
    });
  });
  await new Promise((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    of: (route) => requests.filter((r) => r.route === route),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

/** A URL where nothing listens: connections are refused at once. */
async function refusingUrl() {
  const server = http.createServer();
  await new Promise((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  await new Promise((resolve) => {
    server.close(resolve);
  });
  return url;
}

module.exports = { fakeServer, refusingUrl };
