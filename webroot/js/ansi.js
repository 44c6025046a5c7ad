// Terminal colour escapes in error texts become coloured spans (text nodes only); every other escape is dropped.
import { h } from './dom.js';

// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001b\[([0-9;?]*)([A-Za-z])|\u001b[@-_]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** The text without any escape sequence or control character (newlines and tabs kept). */
export function stripAnsi(text) {
  return String(text ?? '').replace(ESCAPE, '');
}

/** A <pre> element showing text with its SGR colours as classes. */
export function ansiBlock(text, className = 'ansi') {
  const pre = h('pre', { class: className });
  let fg = null;
  let bold = false;
  let dim = false;
  let last = 0;
  const source = String(text ?? '');
  const emit = (chunk) => {
    if (!chunk) return;
    const classes = [fg && `ansi-${fg}`, bold && 'ansi-bold', dim && 'ansi-dim'].filter(Boolean);
    pre.append(classes.length ? h('span', { class: classes.join(' ') }, chunk) : chunk);
  };
  for (const match of source.matchAll(ESCAPE)) {
    emit(source.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] !== 'm') continue;
    const codes = (match[1] || '0').split(';').map((c) => Number(c || 0));
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0) { fg = null; bold = false; dim = false; }
      else if (code === 1) bold = true;
      else if (code === 2) dim = true;
      else if (code === 22) { bold = false; dim = false; }
      else if (code === 39) fg = null;
      else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) fg = `fg${code}`;
      else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : 4;
    }
  }
  emit(source.slice(last));
  return pre;
}
