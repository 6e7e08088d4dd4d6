// The dashboard's stylesheet, served from `<base>/assets/app.css` (CSP allows no inline styles).

/** The CSS of the page. */
export const appStyles = `
:root {
  --bg: #f5f7fb; --panel: #ffffff; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --accent: #2563eb;
  --scheduled: #7c3aed; --queued: #6366f1; --running: #0284c7; --retrying: #d97706; --succeeded: #16a34a; --failed: #dc2626; --cancelled: #6b7280;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light;
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; background: var(--bg); color: var(--ink); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
h1 { font-size: 20px; margin: 0 0 12px; display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 10px; }
.muted { color: var(--muted); }

.topbar { display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px; background: #0f172a; color: #e2e8f0; position: sticky; top: 0; z-index: 5; }
.brand { display: flex; align-items: center; gap: 8px; color: #fff; font-weight: 650; font-size: 16px; }
.brand:hover { text-decoration: none; }
.brand-mark { width: 18px; height: 18px; border-radius: 5px; background: linear-gradient(180deg, #38bdf8 0 30%, transparent 30% 40%, #a78bfa 40% 65%, transparent 65% 75%, #4ade80 75%); }
.nav { display: flex; gap: 6px; }
.nav a { color: #cbd5e1; padding: 6px 10px; border-radius: 6px; }
.nav a:hover { background: #1e293b; text-decoration: none; }
.nav a.active { background: #1e293b; color: #fff; }
.pill { display: inline-block; min-width: 20px; padding: 0 6px; border-radius: 10px; background: #334155; color: #fff; font-size: 12px; text-align: center; }
.pill.alert { background: var(--failed); }
.live { margin-left: auto; font-size: 12px; color: #94a3b8; display: flex; align-items: center; gap: 6px; }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #64748b; }
.live.on::before { background: #22c55e; box-shadow: 0 0 0 3px rgba(34, 197, 94, .25); }
.live.polling::before { background: #f59e0b; }

.view { max-width: 1240px; margin: 0 auto; padding: 20px 24px 48px; }
.flash { max-width: 1192px; margin: 12px auto 0; padding: 10px 14px; border-radius: 8px; background: #ecfdf5; border: 1px solid #a7f3d0; color: #065f46; }
.flash.error { background: #fef2f2; border-color: #fecaca; color: #991b1b; }

.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px; margin-bottom: 16px; box-shadow: 0 1px 2px rgba(15, 23, 42, .04); }
.panel-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; margin-bottom: 10px; flex-wrap: wrap; }
.panel-head h2 { margin: 0; }

.cards { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 12px; margin-bottom: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-left: 4px solid var(--c, var(--line)); border-radius: 10px; padding: 12px 14px; color: var(--ink); }
.card:hover { text-decoration: none; border-color: var(--c); }
.card.selected { box-shadow: 0 0 0 2px var(--c); }
.card-count { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card-label { color: var(--muted); text-transform: capitalize; }
.s-scheduled { --c: var(--scheduled); } .s-queued { --c: var(--queued); } .s-running { --c: var(--running); } .s-retrying { --c: var(--retrying); }
.s-succeeded { --c: var(--succeeded); } .s-failed { --c: var(--failed); } .s-cancelled { --c: var(--cancelled); }

.row { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 16px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; font-variant-numeric: tabular-nums; }

table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #f8fafc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:last-child td { border-bottom: 0; }
tbody tr:hover { background: #f8fafc; }
td.id { max-width: 220px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.error-cell { max-width: 280px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: #991b1b; }
td.zero { color: #cbd5e1; }
td.shrink { width: 1%; white-space: nowrap; padding-right: 24px; }
.empty { color: var(--muted); text-align: center; padding: 18px; }

.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; color: var(--c); background: color-mix(in srgb, var(--c) 12%, white); border: 1px solid color-mix(in srgb, var(--c) 35%, white); text-transform: lowercase; white-space: nowrap; }

.progress { position: relative; height: 8px; border-radius: 4px; background: #e2e8f0; overflow: hidden; min-width: 80px; }
.progress-fill { position: absolute; inset: 0 auto 0 0; width: 0; background: var(--c, var(--running)); border-radius: 4px; transition: width .3s ease; }
.progress.big { height: 14px; border-radius: 7px; }
.progress-line { display: flex; align-items: center; gap: 10px; }
.progress-line .progress { flex: 1; }
.progress-text { font-variant-numeric: tabular-nums; white-space: nowrap; }

.filters { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
select, button { font: inherit; }
select { padding: 5px 8px; border: 1px solid #cbd5e1; border-radius: 6px; background: #fff; }
button { padding: 6px 12px; border-radius: 6px; border: 1px solid #cbd5e1; background: #fff; color: var(--ink); cursor: pointer; }
button:hover:not(:disabled) { background: #f1f5f9; }
button:disabled { opacity: .45; cursor: default; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover:not(:disabled) { background: #1d4ed8; }
button.danger { color: var(--failed); border-color: #fca5a5; }
button.danger:hover:not(:disabled) { background: #fef2f2; }
button.small { padding: 2px 8px; font-size: 12px; }
.pager { display: flex; gap: 8px; align-items: center; justify-content: flex-end; margin-top: 12px; }
.actions { display: flex; gap: 8px; }

pre { background: #0f172a; color: #e2e8f0; padding: 12px; border-radius: 8px; overflow: auto; max-height: 360px; margin: 0; white-space: pre-wrap; word-break: break-word; }
pre.stack { background: #1f1315; color: #fecaca; }
.error-box { border: 1px solid #fecaca; background: #fef2f2; border-radius: 8px; padding: 12px; margin-bottom: 10px; color: #7f1d1d; }
.error-box .code { font-family: var(--mono); font-weight: 600; }
.timeline { display: flex; align-items: stretch; gap: 0; margin: 4px 0 0; }
.step { flex: 1; padding: 8px 12px; border: 1px solid var(--line); background: #f8fafc; }
.step:first-child { border-radius: 8px 0 0 8px; } .step:last-child { border-radius: 0 8px 8px 0; }
.step + .step { border-left: 0; }
.step .label { font-size: 12px; color: var(--muted); }
.gap { align-self: center; padding: 0 10px; font-size: 12px; color: var(--muted); white-space: nowrap; }
.log-level { font-family: var(--mono); font-size: 12px; text-transform: uppercase; }
.log-warn { color: var(--retrying); } .log-error { color: var(--failed); }
.log-msg { white-space: pre-wrap; word-break: break-word; font-family: var(--mono); font-size: 12.5px; }

@media (max-width: 900px) {
  .cards { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .row { grid-template-columns: 1fr; }
}
`;
