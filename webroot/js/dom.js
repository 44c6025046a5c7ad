// DOM building without HTML strings: every piece of data becomes a text node or an attribute value.

/** Creates an element: h('a', {href: '/x', class: 'y'}, 'text', child, [more]). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'href') el.setAttribute('href', safeHref(value));
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Only paths, fragments and http(s) URLs become links: nothing from data can be a javascript: URL. */
export function safeHref(href) {
  const text = String(href);
  if (text.startsWith('/') && !text.startsWith('//') || text.startsWith('#')) return text;
  // Absolute links only to web pages (files live on their own origin), never javascript: or data:.
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '#';
  } catch {
    return '#';
  }
}

/** An in-app link, handled by the router. */
export function link(href, ...children) {
  return h('a', { href, dataset: { link: '' } }, ...children);
}

export function formatDuration(ms) {
  if (ms == null) return '–';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return `${m}m ${String(rest).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatTime(iso) {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function relativeTime(iso) {
  if (!iso) return '–';
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return days < 30 ? `${days} d ago` : formatTime(iso);
}

/** A time element showing "5 min ago" with the full time on hover. */
export function timeAgo(iso) {
  return h('time', { datetime: iso || '', title: formatTime(iso) }, relativeTime(iso));
}

const STATUS_LABELS = {
  running: 'running', passed: 'passed', failed: 'failed', timedout: 'timed out', timedOut: 'timed out',
  skipped: 'skipped', interrupted: 'interrupted', flaky: 'flaky', expectedFailure: 'expected failure',
  unexpectedPass: 'passed unexpectedly',
};

/**
 * What a test's result shows as, by Playwright's outcome: an expected failure (test.fail()) is not a failure, a
 * test.fail() test that passed is one, flaky is an outcome. Results without an outcome fall back to the status.
 */
export function resultStatus(result) {
  if (!result) return 'running';
  if (result.status === 'interrupted') return 'interrupted';
  switch (result.outcome) {
    case 'flaky': return 'flaky';
    case 'skipped': return 'skipped';
    case 'expected': return result.status === 'passed' ? 'passed' : 'expectedFailure';
    case 'unexpected': return result.status === 'passed' ? 'unexpectedPass' : result.status;
    default: return result.status === 'passed' && result.retry > 0 ? 'flaky' : result.status;
  }
}

/** The words for a run, attempt or test status ("timed out" for timedout). */
export function statusLabel(status) {
  return STATUS_LABELS[status] || String(status);
}

/** A coloured status label. */
export function badge(status, extra) {
  const key = String(status || 'unknown');
  return h('span', { class: `badge st-${key.toLowerCase()}${extra ? ' ' + extra : ''}` },
    STATUS_LABELS[key] || key);
}

export function percent(rate) {
  return rate == null ? '–' : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)}%`;
}

export function shortSha(sha) {
  return typeof sha === 'string' ? sha.slice(0, 7) : null;
}

export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('show'), 4000);
}

/** A section with a heading. */
export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

export function errorBox(error) {
  return h('p', { class: 'error-box', role: 'alert' }, error && error.message ? error.message : String(error));
}

/** A link to another site (CI build, repository): only http(s) addresses become links; anything else stays text. */
export function externalLink(url, ...children) {
  let ok = false;
  try {
    ok = typeof url === 'string' && ['http:', 'https:'].includes(new URL(url).protocol);
  } catch (e) {
    ok = false;
  }
  if (!ok) return h('span', null, ...children);
  const a = h('a', { target: '_blank', rel: 'noopener noreferrer', class: 'external' }, ...children);
  a.setAttribute('href', url);
  return a;
}
