// Runboard dashboard: a small router over the history API, the signed-in account, the shell around each page.
import { api } from './js/api.js';
import { h, clear, link, errorBox } from './js/dom.js';
import { initTheme } from './js/theme.js';
import * as setupPage from './js/pages/setup.js';
import * as loginPage from './js/pages/login.js';
import * as feedPage from './js/pages/feed.js';
import * as projectsPage from './js/pages/projects.js';
import * as projectPage from './js/pages/project.js';
import * as runPage from './js/pages/run.js';
import * as comparePage from './js/pages/compare.js';
import * as testPage from './js/pages/test.js';
import * as adminPage from './js/pages/admin.js';
import * as projectAdminPage from './js/pages/project-admin.js';
import * as mePage from './js/pages/me.js';

const routes = [
  { pattern: /^\/setup$/, page: setupPage, open: true },
  { pattern: /^\/login$/, page: loginPage, open: true },
  { pattern: /^\/$/, page: feedPage },
  { pattern: /^\/projects$/, page: projectsPage },
  { pattern: /^\/projects\/(\d+)$/, page: projectPage },
  { pattern: /^\/runs\/(\d+)$/, page: runPage },
  { pattern: /^\/runs\/(\d+)\/compare$/, page: comparePage },
  { pattern: /^\/tests\/(\d+)$/, page: testPage },
  { pattern: /^\/admin$/, page: adminPage },
  { pattern: /^\/admin\/projects\/(\d+)$/, page: projectAdminPage },
  { pattern: /^\/me$/, page: mePage },
];

const state = { me: null, current: null };

/** Shared with pages: who is signed in, and navigation. */
export const app = {
  get me() { return state.me; },
  navigate(path, { replace = false } = {}) {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    render();
  },
  /** Updates the URL's query (filters) without a new history entry or a re-render. */
  setQuery(params) {
    const url = new URL(location.href);
    for (const [key, value] of Object.entries(params)) {
      if (value == null || value === '' || value === false) url.searchParams.delete(key);
      else url.searchParams.set(key, value);
    }
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  },
  async signedIn(me) {
    state.me = me;
    renderShell();
  },
  async signOut() {
    try {
      await api('/api/auth/logout', { method: 'POST' });
    } catch (e) {
      // the session may already be gone
    }
    state.me = null;
    renderShell();
    app.navigate('/login', { replace: true });
  },
};

function renderShell() {
  const nav = clear(document.getElementById('nav'));
  const who = clear(document.getElementById('whoami'));
  if (!state.me) return;
  const items = [['/', 'Runs'], ['/projects', 'Projects']];
  if (state.me.role === 'administrator') items.push(['/admin', 'Admin']);
  for (const [href, label] of items) nav.append(link(href, label));
  markCurrentNav();
  if (state.me.anonymous) {
    who.append(link('/login', 'Sign in'));
    return;
  }
  who.append(link('/me', state.me.username), ' ',
    h('button', { type: 'button', class: 'ghost', id: 'logout', onclick: () => app.signOut() }, 'Sign out'));
}

function markCurrentNav() {
  for (const a of document.querySelectorAll('#nav a')) {
    const href = a.getAttribute('href');
    const current = href === '/' ? location.pathname === '/' || location.pathname.startsWith('/runs/')
      : location.pathname.startsWith(href);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function whoAmI() {
  try {
    return await api('/api/auth/me');
  } catch (e) {
    if (e.status !== 401) throw e;
  }
  // Not signed in: with the server's anonymous read access on, reads still answer.
  try {
    await api('/api/test-runs?limit=1');
    return { username: 'anonymous', role: 'viewer', anonymous: true };
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

async function render() {
  const main = document.getElementById('main');
  if (state.current && state.current.dispose) state.current.dispose();
  state.current = null;
  const path = location.pathname;
  const route = routes.find((r) => r.pattern.test(path));
  try {
    if (!route) {
      clear(main).append(h('h1', null, 'Not found'), h('p', null, 'There is no page here. ', link('/', 'Go to the runs.')));
      return;
    }
    if (!route.open && !state.me) {
      state.me = await whoAmI();
      renderShell();
      if (!state.me) {
        const setup = await api('/api/auth/setup');
        const next = path + location.search;
        app.navigate(setup.setupRequired ? '/setup' : `/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`,
          { replace: true });
        return;
      }
    }
    markCurrentNav();
    const params = path.match(route.pattern).slice(1);
    const page = { dispose: null };
    state.current = page;
    const view = h('div', { class: 'page' });
    clear(main).append(view);
    await route.page.render(view, { params, query: new URLSearchParams(location.search), app, page });
    if (document.activeElement === document.body || !main.contains(document.activeElement)) {
      const heading = main.querySelector('h1');
      if (heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus({ preventScroll: true });
      }
    }
  } catch (e) {
    clear(main).append(h('h1', null, 'Something went wrong'), errorBox(e));
  }
}

// In-app links: same-origin, plain left clicks are handled without reloading the page.
document.addEventListener('click', (event) => {
  const a = event.target.closest('a[data-link]');
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey
    || event.altKey) return;
  event.preventDefault();
  const href = a.getAttribute('href');
  if (href !== location.pathname + location.search) app.navigate(href);
});

window.addEventListener('popstate', render);
window.addEventListener('runboard:unauthorized', () => {
  if (state.me) {
    state.me = null;
    renderShell();
    render();
  }
});

initTheme(document.getElementById('theme'));
render();
