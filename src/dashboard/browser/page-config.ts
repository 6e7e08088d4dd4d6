// What the server tells the script through the page's meta tags.

function meta(name: string): string {
  const el = document.querySelector(`meta[name="${name}"]`);
  return el ? el.getAttribute('content') || '' : '';
}

/** The path the dashboard is mounted at, e.g. `/jobs` (empty at the root). */
export const basePath = meta('longhaul-base');
/** The token every POST must send in `X-CSRF-Token`. */
export const csrfToken = meta('csrf-token');
/** How often to poll when live updates are unavailable. */
export const liveIntervalMs = Number(meta('longhaul-live-interval')) || 1000;
