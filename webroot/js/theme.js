// Light, dark or the system's choice (prefers-color-scheme), remembered in localStorage.
const KEY = 'runboard.theme';
const NEXT = { system: 'light', light: 'dark', dark: 'system' };

function apply(choice) {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

export function initTheme(button) {
  let choice = localStorage.getItem(KEY) || 'system';
  const label = () => {
    button.textContent = `Theme: ${choice}`;
    button.setAttribute('aria-label', `Theme: ${choice}. Switch theme.`);
  };
  apply(choice);
  label();
  button.addEventListener('click', () => {
    choice = NEXT[choice] || 'system';
    localStorage.setItem(KEY, choice);
    apply(choice);
    label();
    window.dispatchEvent(new CustomEvent('runboard:theme'));
  });
}

/** The current value of a CSS custom property (chart colours follow the theme). */
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
