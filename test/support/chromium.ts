// How the browser tests start Debian's Chromium: headless, no sandbox (CI runs as root), and nothing that
// reaches for the network on its own (updates, sync, QUIC), since the machines have no internet.
export const chromiumArgs: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
