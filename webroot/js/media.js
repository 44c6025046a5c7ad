// Screenshots and videos shown inline on the run page: thumbnails that open in an overlay, and videos with their
// own controls. Their URLs are the files' signed URLs on the files origin (the dashboard's policy allows images
// and media from it; the files origin sends single files with Cross-Origin-Resource-Policy: cross-origin).
import { h } from './dom.js';

const kindOf = (file) => {
  const type = String(file.contentType || '').toLowerCase();
  if (type.startsWith('image/') && type !== 'image/svg+xml') return 'image';
  if (type.startsWith('video/')) return 'video';
  return null;
};

/** Whether a file is shown inline (an image other than SVG, or a video). */
export function isMedia(file) {
  return Boolean(file && file.url && kindOf(file));
}

/**
 * The inline preview of a file: a lazy thumbnail that opens the overlay (`data-media-id` names the file, whose
 * fresh URL the click reads), or a video with controls that loads only its metadata until played.
 */
export function mediaPreview(file, label) {
  if (kindOf(file) === 'video') {
    return h('video', { class: 'media-video', controls: true, preload: 'metadata', src: file.url,
      title: label, 'aria-label': label });
  }
  return h('a', { class: 'media-thumb', href: file.url, dataset: { mediaId: String(file.id) },
    title: `${label} (click to enlarge)` },
  h('img', { src: file.url, alt: label, loading: 'lazy', decoding: 'async' }));
}

let overlay = null;
let returnFocus = null;

function closeOverlay() {
  if (!overlay) return;
  overlay.remove();
  overlay = null;
  document.removeEventListener('keydown', onKey, true);
  if (returnFocus && returnFocus.isConnected) returnFocus.focus();
  returnFocus = null;
}

function onKey(event) {
  if (event.key === 'Escape') {
    event.preventDefault();
    closeOverlay();
  }
}

/** Shows an image over the page; Esc, the close button or a click outside the image closes it. */
export function openOverlay(url, label) {
  closeOverlay();
  returnFocus = document.activeElement;
  const close = h('button', { type: 'button', class: 'media-close', 'aria-label': 'Close' }, '×');
  overlay = h('div', { class: 'media-overlay', role: 'dialog', 'aria-modal': 'true', 'aria-label': label },
    h('figure', null, h('img', { src: url, alt: label }), h('figcaption', null, label)), close);
  overlay.addEventListener('click', (event) => {
    if (event.target === overlay || event.target.closest('.media-close')) closeOverlay();
  });
  document.addEventListener('keydown', onKey, true);
  document.body.append(overlay);
  close.focus();
}

/**
 * Opens thumbnails under `root` in the overlay. `fresh(id)` resolves the file with a URL that has not expired
 * (the page refreshes them); a modified click (new tab) is left to the browser.
 */
export function installMediaOverlay(root, fresh) {
  root.addEventListener('click', async (event) => {
    const a = event.target.closest('a.media-thumb[data-media-id]');
    if (!a || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    const file = await fresh(Number(a.dataset.mediaId));
    if (file) openOverlay(file.url, a.querySelector('img')?.alt || file.name);
  });
}
