/** The portal's stylesheet: system fonts, a sober palette, status colours shared with the lineage graph. */
export const PORTAL_STYLES = `
:root {
  --bg: #f5f6f8;
  --panel: #ffffff;
  --text: #1f2933;
  --muted: #66727f;
  --line: #dde1e6;
  --accent: #1f5f99;
  --healthy: #2f9e44;
  --degraded: #e0a800;
  --stale: #e8590c;
  --error: #d6336c;
  --healthy-bg: #ebfbee;
  --degraded-bg: #fff9db;
  --stale-bg: #fff4e6;
  --error-bg: #fff0f6;
  --cross: #5f3dc4;
  color-scheme: light;
}
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body {
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text);
  background: var(--bg);
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
h1 { font-size: 24px; margin: 4px 0; font-weight: 600; }
h2 { font-size: 16px; margin: 24px 0 10px; font-weight: 600; }
.panel h2 { margin-top: 0; }
h3 { font-size: 13px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }

.topbar {
  position: sticky; top: 0; z-index: 10;
  display: flex; align-items: center; gap: 18px; flex-wrap: wrap;
  padding: 10px 24px; background: #17324d; color: #fff;
}
.topbar .brand { font-weight: 600; font-size: 15px; color: #fff; white-space: nowrap; }
.topbar nav a { color: #cfe0f1; margin-right: 14px; }
.topbar input {
  flex: 1; min-width: 200px; max-width: 560px; margin-left: auto;
  padding: 7px 12px; border-radius: 6px; border: 1px solid #2d4f72; background: #fff; color: var(--text); font: inherit;
}
main { max-width: 1280px; margin: 0 auto; padding: 18px 24px 48px; }
footer { max-width: 1280px; margin: 0 auto; padding: 0 24px 24px; color: var(--muted); font-size: 12px; }

.summary { display: flex; flex-wrap: wrap; gap: 12px; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 130px; }
.stat .label { color: var(--muted); font-size: 12px; }
.stat .value { font-size: 20px; font-weight: 600; }
.stat .value.small { font-size: 13px; font-weight: 500; padding-top: 6px; }

.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 14px; }
.grid.domains { grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); }
.grid.product .wide { grid-column: 1 / -1; }
.panel, .card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; min-width: 0; }
details.panel { margin-top: 18px; }
details summary { cursor: pointer; font-weight: 600; }
.card { display: block; color: inherit; }
.card:hover { border-color: var(--accent); text-decoration: none; }
.card p { margin: 6px 0 0; }
.card-head { display: flex; align-items: center; gap: 8px; }
.card-head .badge { margin-left: auto; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; vertical-align: baseline; }
.swatch.big { width: 16px; height: 16px; margin-right: 10px; }

.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; vertical-align: middle; border: 1px solid transparent; }
.badge.status-healthy { background: var(--healthy-bg); color: #1b6e2d; border-color: #b2f2bb; }
.badge.status-degraded { background: var(--degraded-bg); color: #8a6100; border-color: #ffe066; }
.badge.status-stale { background: var(--stale-bg); color: #a33f00; border-color: #ffc078; }
.badge.status-error { background: var(--error-bg); color: #a61e4d; border-color: #fcc2d7; }
.badge.status-unknown { background: #f1f3f5; color: var(--muted); }
.flag { display: inline-block; padding: 0 6px; margin-right: 4px; border-radius: 4px; font-size: 11px; font-weight: 600; border: 1px solid var(--line); }
.flag-key { background: #e7f5ff; color: #1864ab; border-color: #a5d8ff; }
.flag-pii { background: #fff0f6; color: #a61e4d; border-color: #fcc2d7; }
.flag-ok { background: var(--healthy-bg); color: #1b6e2d; border-color: #b2f2bb; }
.flag-bad { background: var(--error-bg); color: #a61e4d; border-color: #fcc2d7; }
.flag-warn { background: var(--degraded-bg); color: #8a6100; border-color: #ffe066; }
.flag-none { background: #f1f3f5; color: var(--muted); }
.chip { display: inline-block; padding: 0 6px; margin: 2px 4px 2px 0; border-radius: 4px; background: #f1f3f5; font-size: 12px; }
.chips { margin-top: 4px; }
mark { background: #ffec99; color: inherit; padding: 0 1px; border-radius: 2px; }

.table-wrap { overflow-x: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.panel .table-wrap { border: 0; border-radius: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fafbfc; white-space: nowrap; }
tbody tr:last-child td { border-bottom: 0; }
table.kv th { width: 34%; color: var(--muted); font-weight: 500; padding-left: 0; }
table.kv td { padding-right: 0; }
table.results td:first-child { white-space: nowrap; }
table.sample td { white-space: nowrap; font-size: 12.5px; }
p.empty { padding: 20px; background: var(--panel); border: 1px dashed var(--line); border-radius: 8px; }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); cursor: pointer; }
button:hover { border-color: var(--accent); }

.crumbs { font-size: 13px; color: var(--muted); margin-bottom: 6px; }
.page-head { margin-bottom: 14px; }
.page-head h1 .version { font-size: 14px; color: var(--muted); font-weight: 500; }
.description { margin-top: 0; }
.documentation { white-space: pre-wrap; background: #f8f9fa; border-radius: 6px; padding: 10px 12px; margin-bottom: 10px; font-size: 13px; }
ul.reasons { margin: 0 0 8px; padding-left: 18px; }
ul.anomalies li { color: #8a6100; }
details.contract pre { max-height: 520px; overflow: auto; background: #f8f9fa; padding: 12px; border-radius: 6px; margin: 10px 0 0; }

.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; }
figure.chart { margin: 0; }
figure.chart figcaption { font-size: 12px; color: var(--muted); display: flex; justify-content: space-between; }
figure.chart .latest { color: var(--text); font-weight: 600; }
svg.trend { width: 100%; height: auto; display: block; }
svg.trend .plot { fill: #fbfcfd; stroke: #eef0f3; }
svg.trend .line { fill: none; stroke: var(--accent); stroke-width: 1.8; }
svg.trend .line.single { stroke-dasharray: 4 4; stroke-width: 1.2; }
svg.trend .area { fill: var(--accent); opacity: 0.08; }
svg.trend .sla { stroke: var(--error); stroke-dasharray: 3 3; stroke-width: 1; }
svg.trend .dot { fill: var(--accent); }
svg.trend .dot.now { fill: #fff; stroke: var(--accent); stroke-width: 1.5; }
svg.trend .dot.anomaly { fill: var(--error); }
svg.trend text { font-size: 10px; fill: var(--muted); }
svg.trend .note { font-size: 11px; }

.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 8px; }
.toolbar select { font: inherit; padding: 3px 6px; border-radius: 6px; border: 1px solid var(--line); }
.legend { display: flex; flex-wrap: wrap; gap: 10px; margin-left: auto; font-size: 12px; color: var(--muted); }
.legend-item { display: inline-flex; align-items: center; gap: 2px; }
.legend svg { margin-right: 4px; }
.status-swatch { border: 1.5px solid; }
.status-swatch.status-healthy { background: var(--healthy-bg); border-color: var(--healthy); }
.status-swatch.status-degraded { background: var(--degraded-bg); border-color: var(--degraded); }
.status-swatch.status-stale { background: var(--stale-bg); border-color: var(--stale); }
.status-swatch.status-error { background: var(--error-bg); border-color: var(--error); }
.lineage-wrap { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; height: calc(100vh - 220px); min-height: 420px; overflow: hidden; }
svg.lineage { width: 100%; height: 100%; display: block; cursor: grab; user-select: none; touch-action: none; }
svg.lineage.dragging { cursor: grabbing; }
.edge { fill: none; stroke: #adb5bd; stroke-width: 1.2; }
.edge.cross { stroke: var(--cross); stroke-width: 1.8; stroke-dasharray: 6 3; opacity: 0.75; }
.edge.hl { stroke: var(--accent); stroke-width: 2.6; opacity: 1; }
g.node { cursor: pointer; }
g.node .box { fill: #fff; stroke: #adb5bd; stroke-width: 1.2; }
g.node.source .box { fill: #f8f9fa; stroke-dasharray: 4 3; }
g.node.status-healthy .box { fill: var(--healthy-bg); stroke: var(--healthy); }
g.node.status-degraded .box { fill: var(--degraded-bg); stroke: var(--degraded); }
g.node.status-stale .box { fill: var(--stale-bg); stroke: var(--stale); }
g.node.status-error .box { fill: var(--error-bg); stroke: var(--error); }
g.node:hover .box, g.node.focus .box { stroke-width: 3; }
g.node .name { font-size: 12px; font-weight: 600; fill: var(--text); }
g.node .sub { font-size: 10px; fill: var(--muted); }
svg.lineage.far g.node .sub { display: none; }
svg.lineage.filtered g.node:not(.in-domain) { opacity: 0.2; }
svg.lineage.filtered .edge { opacity: 0.25; }

@media (max-width: 700px) {
  main { padding: 12px; }
  .topbar { padding: 10px 12px; }
  .grid { grid-template-columns: 1fr; }
  table.kv th { width: 40%; }
}
`;
