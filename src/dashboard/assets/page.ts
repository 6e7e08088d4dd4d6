// The dashboard's HTML: a shell the script fills in. Values are escaped; no job data is ever put here.

/** Escapes text for an HTML attribute or text node. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page at `<base>/`, carrying the base path, the CSRF token and the live interval in meta tags. */
export function pageHtml(options: { base: string; csrfToken: string; liveIntervalMs: number }): string {
  const base = escapeHtml(options.base);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="longhaul-base" content="${base}">
<meta name="csrf-token" content="${escapeHtml(options.csrfToken)}">
<meta name="longhaul-live-interval" content="${options.liveIntervalMs}">
<title>Longhaul</title>
<link rel="icon" type="image/svg+xml" href="${base}/assets/favicon.svg">
<link rel="stylesheet" href="${base}/assets/app.css">
<script src="${base}/assets/app.js" defer></script>
</head>
<body>
<header class="topbar">
  <a class="brand" href="#/"><span class="brand-mark" aria-hidden="true"></span>Longhaul</a>
  <nav class="nav">
    <a href="#/" id="nav-jobs">Jobs</a>
    <a href="#/dlq" id="nav-dlq">Dead letters <span id="dlq-count" class="pill">0</span></a>
  </nav>
  <span id="live" class="live" title="Live updates">connecting…</span>
</header>
<div id="flash" class="flash" role="status" aria-live="polite" hidden></div>
<main id="view" class="view"><p class="muted">Loading…</p></main>
<noscript><p class="view">The Longhaul dashboard needs JavaScript.</p></noscript>
</body>
</html>
`;
}

/** The page a request without a valid token gets: how to sign in. No script, no styles. */
export function loginPage(base: string): string {
  const action = `${escapeHtml(base)}/`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Longhaul: sign in</title></head>
<body>
<h1>Longhaul dashboard</h1>
<p>This dashboard needs its token. Open <code>${action}?token=&lt;token&gt;</code> once: a session cookie keeps you signed in.</p>
<form method="get" action="${action}">
  <label>Token <input type="password" name="token" autocomplete="off" required></label>
  <button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}
