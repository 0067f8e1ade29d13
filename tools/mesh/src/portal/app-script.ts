import { layoutLineage } from './layout.js';

/**
 * The portal's browser code, plain ES2020 with no dependency. It is kept as a string (not a
 * bundled module) so that the portal is a handful of static files that open from disk; the
 * lineage layout is the compiled source of `layoutLineage`, so Node and the browser lay the
 * graph out alike. The views are pure functions (model to HTML string) exposed on
 * `window.MeshPortal`, which lets the unit tests run them without a browser.
 *
 * Written without template literals and `${`: it lives inside one.
 */
const BODY = String.raw`
var STATUS = ['healthy', 'degraded', 'stale', 'error'];
var STATUS_COLOR = { healthy: '#2f9e44', degraded: '#e0a800', stale: '#e8590c', error: '#d6336c', unknown: '#868e96' };
var DOMAIN_COLORS = ['#1c7ed6', '#7048e8', '#0c8599', '#c2255c', '#5c940d', '#e67700', '#495057', '#9c36b5', '#087f5b', '#364fc7'];
var RESULT_LIMIT = 100;

function esc(value) {
  return String(value === null || value === undefined ? '' : value).replace(/[&<>"']/g, function (c) {
    return c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;';
  });
}
function href(kind, id) {
  return '#/' + kind + (id === undefined ? '' : '/' + encodeURIComponent(id));
}
function link(kind, id, text) {
  return '<a href="' + esc(href(kind, id)) + '">' + esc(text === undefined ? id : text) + '</a>';
}
function fmtInt(n) {
  return n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US');
}
function fmtPct(x) {
  if (x === null || x === undefined) return '–';
  var p = x * 100;
  return (p === 100 || p === 0 ? p.toFixed(0) : p >= 99.95 ? p.toFixed(2) : p.toFixed(1)) + '%';
}
function fmtBytes(n) {
  if (n === null || n === undefined) return '–';
  var units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  var i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}
function fmtAge(s) {
  if (s === null || s === undefined) return '–';
  if (s < 120) return Math.round(s) + 's';
  if (s < 7200) return Math.round(s / 60) + 'm';
  if (s < 172800) return (s / 3600).toFixed(1) + 'h';
  return (s / 86400).toFixed(1) + 'd';
}
function fmtMs(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms < 10000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(1) + ' s';
}
function fmtTime(iso) {
  if (!iso) return '–';
  var d = new Date(iso);
  if (isNaN(d.getTime())) return esc(iso);
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
function badge(status) {
  var s = STATUS.indexOf(status) >= 0 ? status : 'unknown';
  return '<span class="badge status-' + s + '">' + esc(status || 'unknown') + '</span>';
}
function flag(text, kind) {
  return '<span class="flag flag-' + kind + '">' + esc(text) + '</span>';
}
function truncate(text, n) {
  text = String(text === null || text === undefined ? '' : text);
  return text.length > n ? text.slice(0, n - 1) + '…' : text;
}

/** Escaped text with every occurrence of the terms marked. */
function highlight(text, terms) {
  text = String(text === null || text === undefined ? '' : text);
  if (!terms.length) return esc(text);
  var lower = text.toLowerCase();
  var marks = [];
  terms.forEach(function (t) {
    for (var at = lower.indexOf(t); at >= 0; at = lower.indexOf(t, at + t.length)) marks.push([at, at + t.length]);
  });
  if (!marks.length) return esc(text);
  marks.sort(function (a, b) { return a[0] - b[0]; });
  var out = '';
  var done = 0;
  marks.forEach(function (m) {
    if (m[1] <= done) return;
    var from = Math.max(m[0], done);
    out += esc(text.slice(done, from)) + '<mark>' + esc(text.slice(from, m[1])) + '</mark>';
    done = m[1];
  });
  return out + esc(text.slice(done));
}

function Catalog(model) {
  this.model = model;
  this.byId = {};
  this.domainColor = {};
  var self = this;
  model.products.forEach(function (p) { self.byId[p.id] = p; });
  var domains = model.domains.map(function (d) { return d.name; });
  model.lineage.nodes.forEach(function (n) { if (domains.indexOf(n.domain) < 0) domains.push(n.domain); });
  domains.sort().forEach(function (d, i) {
    self.domainColor[d] = i < DOMAIN_COLORS.length ? DOMAIN_COLORS[i] : 'hsl(' + Math.round((i * 137.508) % 360) + ', 45%, 42%)';
  });
  // Lowercased once: searching is then a scan of plain strings, instant at thousands of products.
  this.index = model.products.map(function (p) {
    var columns = p.columns.map(function (c) {
      return [c.name, c.type, c.description || '', (c.values || []).join(' ')].join(' ').toLowerCase();
    });
    var head = [p.id, p.name, p.domain, p.description, p.documentation || '', p.tier, p.access, p.owner.team, p.tags.join(' '), p.table]
      .join('\n')
      .toLowerCase();
    return { product: p, name: p.name.toLowerCase(), head: head, columns: columns, all: head + '\n' + columns.join('\n') };
  });
  this.layout = null;
}
Catalog.prototype.status = function (id) {
  var p = this.byId[id];
  return p && p.health ? p.health.status : p ? 'error' : null;
};
Catalog.prototype.search = function (query) {
  var terms = String(query || '').toLowerCase().split(/\s+/).filter(Boolean);
  var hits = [];
  for (var i = 0; i < this.index.length; i++) {
    var e = this.index[i];
    var score = 0;
    var ok = true;
    for (var k = 0; k < terms.length; k++) {
      var t = terms[k];
      if (e.all.indexOf(t) < 0) { ok = false; break; }
      score += e.name === t ? 8 : e.name.indexOf(t) >= 0 ? 4 : e.head.indexOf(t) >= 0 ? 2 : 1;
    }
    if (!ok) continue;
    var columns = [];
    if (terms.length) {
      for (var c = 0; c < e.columns.length; c++) {
        for (var j = 0; j < terms.length; j++) if (e.columns[c].indexOf(terms[j]) >= 0) { columns.push(e.product.columns[c]); break; }
      }
    }
    hits.push({ product: e.product, score: score, columns: columns });
  }
  if (terms.length) hits.sort(function (a, b) { return b.score - a.score || (a.product.id < b.product.id ? -1 : 1); });
  return { terms: terms, hits: hits };
};
Catalog.prototype.lineageLayout = function () {
  // Computed once per page load: the graph does not change while the page is open.
  if (!this.layout) {
    var t0 = Date.now();
    this.layout = layoutLineage(this.model.lineage);
    this.layoutMs = Date.now() - t0;
  }
  return this.layout;
};

var views = {};

views.results = function (cat, query, limit) {
  var found = cat.search(query);
  var hits = found.hits;
  var shown = hits.slice(0, limit || RESULT_LIMIT);
  var head = '<p class="muted" id="result-count">' + (found.terms.length
    ? fmtInt(hits.length) + ' of ' + fmtInt(cat.model.products.length) + ' products match'
    : fmtInt(hits.length) + ' products') + '</p>';
  if (!hits.length) return head + '<p class="empty">Nothing matches. Search looks in product names, descriptions, owners, tags and columns.</p>';
  var rows = shown.map(function (h) {
    var p = h.product;
    var cols = h.columns.slice(0, 6).map(function (c) {
      return '<span class="chip" title="' + esc(c.description || '') + '">' + highlight(c.name, found.terms) + '</span>';
    }).join('');
    if (h.columns.length > 6) cols += '<span class="muted"> +' + (h.columns.length - 6) + '</span>';
    return '<tr class="result" data-id="' + esc(p.id) + '">' +
      '<td><a class="product-link" href="' + esc(href('product', p.id)) + '">' + highlight(p.name, found.terms) + '</a>' +
      '<div class="muted small">' + highlight(p.id, found.terms) + ' · v' + esc(p.version) + '</div></td>' +
      '<td>' + badge(p.health ? p.health.status : 'error') + '</td>' +
      '<td>' + link('domain', p.domain) + '</td>' +
      '<td>' + esc(p.tier) + '</td>' +
      '<td class="num">' + fmtInt(p.health ? p.health.rowCount : null) + '</td>' +
      '<td>' + highlight(truncate(p.description, 180), found.terms) + (cols ? '<div class="chips">' + cols + '</div>' : '') + '</td>' +
      '</tr>';
  }).join('');
  var more = hits.length > shown.length
    ? '<p><button type="button" class="more" data-action="more">Show all ' + fmtInt(hits.length) + '</button></p>'
    : '';
  return head + '<div class="table-wrap"><table class="results"><thead><tr><th>Product</th><th>Status</th><th>Domain</th><th>Tier</th><th class="num">Rows</th><th>Description</th></tr></thead><tbody>' + rows + '</tbody></table></div>' + more;
};

views.home = function (cat, query) {
  var m = cat.model;
  var h = m.health;
  var t = h.totals;
  var domainStatus = {};
  h.domains.forEach(function (d) { domainStatus[d.name] = d; });
  var domains = m.domains.map(function (d) {
    var dh = domainStatus[d.name];
    return '<a class="card domain-card" href="' + esc(href('domain', d.name)) + '">' +
      '<div class="card-head"><span class="swatch" style="background:' + esc(cat.domainColor[d.name]) + '"></span><strong>' + esc(d.name) + '</strong>' + badge(dh ? dh.status : 'unknown') + '</div>' +
      '<p class="small">' + esc(truncate(d.description, 160)) + '</p>' +
      '<p class="muted small">' + (dh ? dh.healthyCount + ' / ' + dh.productCount + ' healthy' : d.products.length + ' products') + ' · ' + esc(d.owner.team) + '</p></a>';
  }).join('');
  var sources = (h.sources || []).map(function (s) {
    return '<tr><td>' + link('lineage', s.source, s.source) + '</td><td>' + esc(s.content) + '</td><td class="num">' + fmtInt(s.batches) + '</td><td class="num">' + fmtInt(s.rows) +
      '</td><td>' + (s.lastBatch ? fmtTime(s.lastBatch.at) : '–') + '</td><td>' + (s.lastBatch && s.lastBatch.flag ? flag(s.lastBatch.flag, 'warn') : '') + '</td></tr>';
  }).join('');
  return '<section class="summary">' +
    '<div class="stat"><div class="label">Mesh</div><div class="value">' + badge(h.status) + '</div></div>' +
    '<div class="stat"><div class="label">Domains</div><div class="value">' + fmtInt(t.domains) + '</div></div>' +
    '<div class="stat"><div class="label">Products</div><div class="value">' + fmtInt(t.products) + '</div></div>' +
    '<div class="stat"><div class="label">Healthy</div><div class="value">' + fmtInt(t.healthyProducts) + ' / ' + fmtInt(t.products) + '</div></div>' +
    '<div class="stat"><div class="label">Quality score</div><div class="value">' + fmtPct(t.qualityScore) + '</div></div>' +
    '<div class="stat"><div class="label">Generated</div><div class="value small">' + fmtTime(m.generatedAt) + '</div></div>' +
    '</section>' +
    '<h2>Domains</h2><section class="grid domains">' + domains + '</section>' +
    '<h2>Products</h2><section id="results">' + views.results(cat, query) + '</section>' +
    (sources ? '<details class="panel"><summary>Sources (' + h.sources.length + ')</summary><div class="table-wrap"><table><thead><tr><th>Source</th><th>Data</th><th class="num">Batches</th><th class="num">Rows</th><th>Last batch</th><th></th></tr></thead><tbody>' + sources + '</tbody></table></div></details>' : '');
};

function row(label, value) {
  return '<tr><th>' + esc(label) + '</th><td>' + value + '</td></tr>';
}
function list(items, render, separator) {
  return items.length ? items.map(render).join(separator === undefined ? ', ' : separator) : '<span class="muted">none</span>';
}
function nodeLink(cat, id) {
  return cat.byId[id] ? link('product', id) : link('lineage', id, id) + ' <span class="muted small">(source)</span>';
}

/** A small line chart; 0 points say so, 1 point is a dot on a level guide. */
function trend(title, points, opts) {
  var W = 300, H = 120, L = 52, R = 12, T = 12, B = 24;
  var fmt = opts.format;
  var svg = '<svg class="trend" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="' + esc(title) + '" data-points="' + points.length + '">';
  var frame = '<rect class="plot" x="' + L + '" y="' + T + '" width="' + (W - L - R) + '" height="' + (H - T - B) + '"></rect>';
  if (!points.length) {
    return '<figure class="chart"><figcaption>' + esc(title) + '</figcaption>' + svg.replace('class="trend"', 'class="trend empty"') + frame +
      '<text class="note" x="' + ((W + L - R) / 2) + '" y="' + (H / 2) + '" text-anchor="middle">No runs recorded yet</text></svg></figure>';
  }
  var values = points.map(function (p) { return p.v; });
  if (opts.reference !== undefined && opts.reference !== null) values.push(opts.reference);
  var lo = opts.min !== undefined ? Math.min(opts.min, Math.min.apply(null, values)) : Math.min.apply(null, values);
  var hi = opts.max !== undefined ? Math.max(opts.max, Math.max.apply(null, values)) : Math.max.apply(null, values);
  if (opts.min === undefined && opts.max === undefined) {
    var pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
    lo = Math.max(opts.floor === undefined ? -Infinity : opts.floor, lo - pad);
    hi = hi + pad;
  }
  if (hi === lo) {
    var span = Math.abs(hi) * 0.1 || 1;
    if (opts.max !== undefined) lo = hi - span;
    else hi = lo + span;
  }
  var t0 = points[0].t, t1 = points[points.length - 1].t;
  var byTime = t1 > t0;
  var x = function (p, i) {
    if (points.length === 1) return (L + W - R) / 2;
    return byTime ? L + ((p.t - t0) / (t1 - t0)) * (W - L - R) : L + (i / (points.length - 1)) * (W - L - R);
  };
  var y = function (v) { return T + (1 - (v - lo) / (hi - lo)) * (H - T - B); };
  var r1 = function (n) { return Math.round(n * 10) / 10; };
  var body = frame;
  body += '<text class="axis" x="' + (L - 4) + '" y="' + (T + 4) + '" text-anchor="end">' + esc(fmt(hi)) + '</text>';
  body += '<text class="axis" x="' + (L - 4) + '" y="' + (H - B) + '" text-anchor="end">' + esc(fmt(lo)) + '</text>';
  if (opts.reference !== undefined && opts.reference !== null) {
    var ry = r1(y(opts.reference));
    body += '<path class="sla" d="M' + L + ' ' + ry + 'H' + (W - R) + '"><title>SLA ' + esc(fmt(opts.reference)) + '</title></path>';
  }
  if (points.length === 1) {
    var py = r1(y(points[0].v));
    body += '<path class="line single" d="M' + L + ' ' + py + 'H' + (W - R) + '"></path>';
  } else {
    var d = points.map(function (p, i) { return (i ? 'L' : 'M') + r1(x(p, i)) + ' ' + r1(y(p.v)); }).join('');
    body += '<path class="area" d="' + d + 'L' + r1(x(points[points.length - 1], points.length - 1)) + ' ' + (H - B) + 'L' + r1(x(points[0], 0)) + ' ' + (H - B) + 'Z"></path>';
    body += '<path class="line" d="' + d + '"></path>';
  }
  body += points.map(function (p, i) {
    return '<circle class="' + (p.now ? 'dot now' : p.anomaly ? 'dot anomaly' : 'dot') + '" cx="' + r1(x(p, i)) + '" cy="' + r1(y(p.v)) + '" r="' + (p.now || p.anomaly ? 3.5 : 2.5) + '"><title>' +
      esc((p.now ? 'now' : fmtTime(new Date(p.t).toISOString())) + ': ' + fmt(p.v) + (p.anomaly ? ' (anomaly)' : '')) + '</title></circle>';
  }).join('');
  var first = points[0], last = points[points.length - 1];
  body += '<text class="axis" x="' + L + '" y="' + (H - 6) + '">' + esc(first.now ? 'now' : new Date(first.t).toISOString().slice(5, 10)) + '</text>';
  if (points.length > 1)
    body += '<text class="axis" x="' + (W - R) + '" y="' + (H - 6) + '" text-anchor="end">' + esc(last.now ? 'now' : new Date(last.t).toISOString().slice(5, 10)) + '</text>';
  var latest = '<span class="latest">' + esc(fmt(last.v)) + '</span>';
  return '<figure class="chart"><figcaption>' + esc(title) + latest + '</figcaption>' + svg + body + '</svg></figure>';
}

/**
 * A metric's points: the recorded snapshots, then the current reading where there is one and it
 * is newer than the last snapshot (taken when the catalog was written, or at the given time).
 */
function series(cat, p, pick, current, at, metric) {
  var points = [];
  p.history.forEach(function (s) {
    var v = pick(s);
    var t = Date.parse(s.at);
    var odd = !!metric && Array.isArray(s.anomalies) && s.anomalies.indexOf(metric) >= 0;
    if (typeof v === 'number' && isFinite(v) && isFinite(t)) points.push({ t: t, v: v, now: false, anomaly: odd });
  });
  var t = Date.parse(at || cat.model.generatedAt);
  if (typeof current === 'number' && isFinite(current) && isFinite(t)) {
    var last = points[points.length - 1];
    if (!last || t > last.t) points.push({ t: t, v: current, now: !at });
  }
  return points;
}

views.product = function (cat, id) {
  var p = cat.byId[id];
  if (!p) return views.notFound('No product ' + id + ' in this catalog.');
  var h = p.health;
  var status = h ? h.status : 'error';
  var published = !!(h && h.lastUpdated);
  var anomalyReasons = h ? h.anomalies.map(function (a) { return a.reason; }) : [];
  var reasons = h ? h.reasons.filter(function (r) { return anomalyReasons.indexOf(r) < 0; }) : ['no health recorded'];
  var sla = p.sla || {};
  var freshness = h && h.freshness;
  var run = h && h.lastRun ? h.lastRun : null;

  var overview = '<section class="panel"><h2>About</h2><p class="description">' + esc(p.description) + '</p>' +
    (p.documentation ? '<div class="documentation">' + esc(p.documentation) + '</div>' : '') +
    '<table class="kv">' +
    row('Owner', esc(p.owner.team) + ' · <a href="mailto:' + esc(p.owner.email) + '">' + esc(p.owner.email) + '</a>' + (p.owner.supportChannel ? ' · ' + esc(p.owner.supportChannel) : '')) +
    row('Domain', link('domain', p.domain)) +
    row('Tier', esc(p.tier)) +
    row('Refresh', esc(p.refresh)) +
    (p.schedule ? row('Schedule', '<code>' + esc(p.schedule.cron) + '</code> ' + esc(p.schedule.timezone) + ' · next run ' + (p.schedule.nextRun ? esc(fmtTime(p.schedule.nextRun)) : 'none') + ' · last build ' + (p.schedule.lastBuild ? esc(fmtTime(p.schedule.lastBuild)) : 'never')) : '') +
    row('Access', esc(p.access)) +
    row('Consumers', list(p.consumers, function (c) { return '<span class="chip">' + esc(c) + '</span>'; }, ' ')) +
    row('Table', '<code>' + esc(p.table) + '</code>') +
    row('Materialization', esc(p.materialization) + (p.partitionBy ? ' · partitioned by <code>' + esc(p.partitionBy.column) + '</code> (' + esc(p.partitionBy.granularity) + ')' : '')) +
    (p.tags.length ? row('Tags', list(p.tags, function (t) { return '<span class="chip">' + esc(t) + '</span>'; }, ' ')) : '') +
    '</table></section>';

  var slaRows = '<table class="kv">' +
    row('Freshness', (sla.freshness ? 'within ' + esc(sla.freshness) : '<span class="muted">no SLA</span>') +
      (freshness && freshness.ageSeconds !== null ? ' · now ' + esc(fmtAge(freshness.ageSeconds)) + (freshness.slaSeconds !== null ? (freshness.ageSeconds > freshness.slaSeconds ? ' ' + flag('late', 'bad') : ' ' + flag('on time', 'ok')) : '') : '')) +
    row('Completeness', (sla.completeness !== undefined ? '≥ ' + esc(fmtPct(sla.completeness)) : '<span class="muted">no SLA</span>') + (h && h.completeness !== null ? ' · now ' + esc(fmtPct(h.completeness)) : '')) +
    row('Validity', (sla.validity !== undefined ? '≥ ' + esc(fmtPct(sla.validity)) : '<span class="muted">no SLA</span>') + (h && h.validity !== null ? ' · now ' + esc(fmtPct(h.validity)) : '')) +
    '</table>';

  var health = '<section class="panel"><h2>Health ' + badge(status) + '</h2>' +
    (reasons.length ? '<ul class="reasons">' + reasons.map(function (r) { return '<li>' + esc(r) + '</li>'; }).join('') + '</ul>' : '<p class="muted">Nothing to report.</p>') +
    (h && h.anomalies.length ? '<h3>Anomalies</h3><ul class="reasons anomalies">' + h.anomalies.map(function (a) {
      return '<li>' + esc(a.reason) + ' <span class="muted small">(' + esc(a.metric) + ', ' + esc(a.sigma.toFixed(1)) + ' σ over ' + esc(a.window) + ' runs)</span></li>';
    }).join('') + '</ul>' : '') +
    '<table class="kv">' +
    row('Rows', fmtInt(h ? h.rowCount : null)) +
    row('Size', fmtBytes(h ? h.bytes : null)) +
    row('Last published', h ? fmtTime(h.lastUpdated) : '–') +
    row('Last tested', h ? fmtTime(h.lastTestRun) : '–') +
    (run ? row('Last run', esc(run.status) + ' · ' + fmtTime(run.finishedAt) + ' · ' + esc(fmtMs(run.durationMs)) + (run.bytesProcessed !== null && run.bytesProcessed !== undefined ? ' · ' + esc(fmtBytes(run.bytesProcessed)) + ' processed' : '')) : '') +
    row('Freshness', freshness && freshness.ageSeconds !== null ? esc(fmtAge(freshness.ageSeconds)) + (freshness.slaSeconds !== null ? ' of ' + esc(fmtAge(freshness.slaSeconds)) + ' SLA' : '') : '–') +
    row('Quality', h ? fmtPct(h.qualityScore) + (h.checks && h.checks.total ? ' <span class="muted small">(' + h.checks.passed + ' / ' + h.checks.total + ' checks)</span>' : '') : '–') +
    row('Completeness', h ? fmtPct(h.completeness) : '–') +
    row('Validity', h ? fmtPct(h.validity) : '–') +
    (h && h.sampleSources.length ? row('Sample data', list(h.sampleSources, function (s) { return esc(s); })) : '') +
    '</table><h3>SLAs</h3>' + slaRows + '</section>';

  var charts = [
    trend('Row count', series(cat, p, function (s) { return s.rowCount; }, published ? h.rowCount : null, null, 'row_count'), { format: fmtInt, floor: 0 }),
    trend('Build duration', series(cat, p, function (s) { return s.durationMs; }, run ? run.durationMs : null, run ? run.finishedAt : null, 'duration'), { format: fmtMs, floor: 0 }),
    trend('Quality score', series(cat, p, function (s) { return s.qualityScore; }, h ? h.qualityScore : null), { format: fmtPct, min: 0, max: 1 }),
    trend('Time since publish', series(cat, p, function (s) { return s.freshnessAgeSeconds; }, freshness ? freshness.ageSeconds : null, null, 'freshness'), { format: fmtAge, floor: 0, reference: freshness ? freshness.slaSeconds : null }),
    trend('Completeness', series(cat, p, function (s) { return s.completeness; }, h ? h.completeness : null), { format: fmtPct, max: 1, reference: sla.completeness }),
  ].join('');
  var trends = '<section class="panel wide"><h2>Trends <span class="muted small">' + p.history.length + ' recorded run' + (p.history.length === 1 ? '' : 's') + '</span></h2><div class="charts">' + charts + '</div></section>';

  var schema = '<section class="panel wide"><h2>Schema <span class="muted small">' + p.columns.length + ' columns</span></h2><div class="table-wrap"><table class="schema"><thead><tr><th>Column</th><th>Type</th><th>Description</th><th>Nullable</th><th>Flags</th><th>Values</th></tr></thead><tbody>' +
    p.columns.map(function (c) {
      return '<tr><td><code>' + esc(c.name) + '</code></td><td><code>' + esc(c.type) + '</code></td><td>' + (c.description ? esc(c.description) : '<span class="muted">–</span>') + '</td><td>' + (c.nullable ? 'yes' : 'no') + '</td><td>' +
        (c.key ? flag('key', 'key') : '') + (c.pii ? flag('PII', 'pii') : '') + '</td><td>' + (c.values ? c.values.map(function (v) { return '<span class="chip">' + esc(v) + '</span>'; }).join('') : '') + '</td></tr>';
    }).join('') + '</tbody></table></div></section>';

  var checks = '<section class="panel wide"><h2>Checks <span class="muted small">' + p.checks.length + '</span></h2>' + (p.checks.length ? '<div class="table-wrap"><table class="checks"><thead><tr><th>Check</th><th>Kind</th><th>Column</th><th>Severity</th><th>Dimension</th><th>Last result</th></tr></thead><tbody>' +
    p.checks.map(function (c) {
      var result = c.passed === null ? flag('not run', 'none') : c.passed ? flag('passed', 'ok') : flag('failed', 'bad');
      return '<tr><td>' + esc(c.name) + '</td><td>' + esc(c.kind) + '</td><td>' + (c.column ? '<code>' + esc(c.column) + '</code>' : '') + '</td><td>' + esc(c.severity) + '</td><td>' + esc(c.dimension) + '</td><td>' + result + (c.detail ? ' <span class="muted small">' + esc(c.detail) + '</span>' : '') + '</td></tr>';
    }).join('') + '</tbody></table></div>' : '<p class="muted">No checks.</p>') + '</section>';

  var sample = '<section class="panel wide"><h2>Sample rows</h2>' + (p.sample && p.sample.rows.length
    ? '<p class="muted small">The first ' + p.sample.rows.length + ' rows; PII columns are left out.</p><div class="table-wrap"><table class="sample"><thead><tr>' + p.sample.columns.map(function (c) { return '<th>' + esc(c) + '</th>'; }).join('') + '</tr></thead><tbody>' +
      p.sample.rows.map(function (r) {
        return '<tr>' + r.map(function (v) { return '<td>' + (v === null || v === undefined ? '<span class="muted">null</span>' : esc(truncate(typeof v === 'object' ? JSON.stringify(v) : v, 80))) + '</td>'; }).join('') + '</tr>';
      }).join('') + '</tbody></table></div>'
    : '<p class="muted">' + (published ? 'No rows to show.' : 'Not published yet.') + '</p>') + '</section>';

  var lineage = '<section class="panel"><h2>Lineage</h2><table class="kv">' +
    row('Reads', list(p.inputs, function (i) { return nodeLink(cat, i); })) +
    row('Read by', list(p.readers, function (r) { return nodeLink(cat, r); })) +
    '</table><p><a href="' + esc(href('lineage', p.id)) + '">Show in the lineage graph</a></p></section>';

  var contract = '<section class="panel wide"><details class="contract"><summary>ODCS contract (JSON)</summary><pre>' + esc(JSON.stringify(p.contract, null, 2)) + '</pre></details></section>';

  return '<nav class="crumbs">' + link('', undefined, 'Catalog') + ' / ' + link('domain', p.domain) + ' / ' + esc(p.name) + '</nav>' +
    '<header class="page-head"><h1>' + esc(p.name) + ' <span class="version">v' + esc(p.version) + '</span> ' + badge(status) + '</h1><p class="muted"><code>' + esc(p.id) + '</code></p></header>' +
    '<div class="grid product">' + overview + health + lineage + trends + schema + checks + sample + contract + '</div>';
};

views.domain = function (cat, name) {
  var m = cat.model;
  var d = m.domains.filter(function (x) { return x.name === name; })[0];
  if (!d) return views.notFound('No domain ' + name + ' in this catalog.');
  var dh = m.health.domains.filter(function (x) { return x.name === name; })[0];
  var products = d.products.map(function (id) { return cat.byId[id]; }).filter(Boolean);
  var reads = {};
  var readBy = {};
  m.lineage.edges.forEach(function (e) {
    if (!e.crossDomain) return;
    var from = e.from.split('.')[0];
    var to = cat.byId[e.to] ? cat.byId[e.to].domain : e.to.split('.')[0];
    if (to === name) reads[from] = true;
    if (from === name) readBy[to] = true;
  });
  var domainLinks = function (o) { return list(Object.keys(o).sort(), function (x) { return link('domain', x); }); };
  return '<nav class="crumbs">' + link('', undefined, 'Catalog') + ' / ' + esc(d.name) + '</nav>' +
    '<header class="page-head"><h1><span class="swatch big" style="background:' + esc(cat.domainColor[d.name]) + '"></span>' + esc(d.name) + ' ' + badge(dh ? dh.status : 'unknown') + '</h1></header>' +
    '<div class="grid"><section class="panel"><h2>About</h2><p class="description">' + esc(d.description) + '</p><table class="kv">' +
    row('Owner', esc(d.owner.team) + ' · <a href="mailto:' + esc(d.owner.email) + '">' + esc(d.owner.email) + '</a>' + (d.owner.supportChannel ? ' · ' + esc(d.owner.supportChannel) : '')) +
    row('Products', fmtInt(products.length) + (dh ? ' · ' + dh.healthyCount + ' healthy' : '')) +
    row('Reads from', domainLinks(reads)) +
    row('Read by', domainLinks(readBy)) +
    '</table></section></div>' +
    '<h2>Products</h2><div class="table-wrap"><table class="domain-products"><thead><tr><th>Product</th><th>Status</th><th>Tier</th><th>Refresh</th><th class="num">Rows</th><th>Updated</th><th>Description</th></tr></thead><tbody>' +
    products.map(function (p) {
      return '<tr><td><a class="product-link" href="' + esc(href('product', p.id)) + '">' + esc(p.name) + '</a> <span class="muted small">v' + esc(p.version) + '</span></td><td>' + badge(p.health ? p.health.status : 'error') + '</td><td>' + esc(p.tier) + '</td><td>' + esc(p.refresh) +
        '</td><td class="num">' + fmtInt(p.health ? p.health.rowCount : null) + '</td><td>' + (p.health ? fmtTime(p.health.lastUpdated) : '–') + '</td><td>' + esc(truncate(p.description, 200)) + '</td></tr>';
    }).join('') + '</tbody></table></div>';
};

views.lineageSvg = function (cat) {
  var m = cat.model;
  var layout = cat.lineageLayout();
  var w = layout.nodeWidth, h = layout.nodeHeight;
  var maxChars = Math.floor((w - 22) / 7);
  var r1 = function (n) { return Math.round(n * 10) / 10; };
  var edges = m.lineage.edges.map(function (e, i) {
    var a = layout.nodes[e.from], b = layout.nodes[e.to];
    if (!a || !b) return '';
    var x1 = a.x + w, y1 = a.y + h / 2, x2 = b.x, y2 = b.y + h / 2;
    var dx = Math.max(30, Math.abs(x2 - x1) / 2);
    return '<path class="edge' + (e.crossDomain ? ' cross' : '') + '" data-i="' + i + '" d="M' + r1(x1) + ' ' + r1(y1) + 'C' + r1(x1 + dx) + ' ' + r1(y1) + ' ' + r1(x2 - dx) + ' ' + r1(y2) + ' ' + r1(x2) + ' ' + r1(y2) + '"></path>';
  }).join('');
  var nodes = m.lineage.nodes.map(function (n) {
    var at = layout.nodes[n.id];
    if (!at) return '';
    var product = cat.byId[n.id];
    var status = n.kind === 'source' ? 'source' : product && product.health ? product.health.status : 'error';
    var color = cat.domainColor[n.domain] || '#868e96';
    var sub = n.kind === 'source' ? n.domain + ' · source' : n.domain + ' · v' + (n.version || '') + (n.tier ? ' · ' + n.tier : '');
    return '<g class="node ' + (n.kind === 'source' ? 'source' : 'product') + ' status-' + esc(status) + '" data-id="' + esc(n.id) + '" data-domain="' + esc(n.domain) + '" transform="translate(' + r1(at.x) + ',' + r1(at.y) + ')">' +
      '<title>' + esc(n.id + (n.kind === 'source' ? ' (source)' : ' · ' + status)) + '</title>' +
      '<rect class="box" width="' + w + '" height="' + h + '" rx="6"></rect>' +
      '<rect class="stripe" width="6" height="' + h + '" rx="3" fill="' + esc(color) + '"></rect>' +
      '<text class="name" x="14" y="15">' + esc(truncate(n.name, maxChars)) + '</text>' +
      '<text class="sub" x="14" y="29">' + esc(truncate(sub, maxChars + 4)) + '</text></g>';
  }).join('');
  return '<svg id="lineage-svg" class="lineage" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + r1(layout.width) + ' ' + r1(layout.height) + '" preserveAspectRatio="xMidYMid meet">' +
    '<g class="edges">' + edges + '</g><g class="nodes">' + nodes + '</g></svg>';
};

views.lineage = function (cat, focus) {
  var m = cat.model;
  var domains = Object.keys(cat.domainColor).sort();
  var legend = domains.map(function (d) {
    return '<span class="legend-item"><span class="swatch" style="background:' + esc(cat.domainColor[d]) + '"></span>' + esc(d) + '</span>';
  }).join('') +
    ['healthy', 'degraded', 'stale', 'error'].map(function (s) { return '<span class="legend-item"><span class="swatch status-swatch status-' + s + '"></span>' + s + '</span>'; }).join('') +
    '<span class="legend-item"><svg width="28" height="8"><path class="edge cross" d="M0 4H28"></path></svg>cross-domain</span>';
  var options = '<option value="">All domains</option>' + domains.map(function (d) { return '<option value="' + esc(d) + '">' + esc(d) + '</option>'; }).join('');
  var cross = m.lineage.edges.filter(function (e) { return e.crossDomain; }).length;
  return '<nav class="crumbs">' + link('', undefined, 'Catalog') + ' / Lineage</nav>' +
    '<header class="page-head"><h1>Lineage</h1><p class="muted">' + fmtInt(m.lineage.nodes.filter(function (n) { return n.kind !== 'source'; }).length) + ' products, ' +
    fmtInt(m.lineage.nodes.filter(function (n) { return n.kind === 'source'; }).length) + ' sources, ' + fmtInt(m.lineage.edges.length) + ' edges (' + fmtInt(cross) + ' across domains). Sources on the left; scroll to zoom, drag to pan, click a product to open it.</p></header>' +
    '<div class="toolbar"><button type="button" data-action="zoom-in" title="Zoom in">+</button><button type="button" data-action="zoom-out" title="Zoom out">−</button><button type="button" data-action="fit">Fit</button>' +
    '<label>Domain <select id="lineage-domain">' + options + '</select></label><span class="legend">' + legend + '</span></div>' +
    '<div class="lineage-wrap" id="lineage-wrap">' + views.lineageSvg(cat) + '</div>' +
    (focus && !cat.model.lineage.nodes.some(function (n) { return n.id === focus; }) ? '<p class="muted">' + esc(focus) + ' is not in the lineage.</p>' : '');
};

views.notFound = function (message) {
  return '<section class="panel"><h1>Not found</h1><p>' + esc(message) + '</p><p>' + link('', undefined, 'Back to the catalog') + '</p></section>';
};

function parseRoute(hash) {
  var parts = String(hash || '').replace(/^#\/?/, '').split('/');
  var arg = parts.slice(1).join('/');
  try { arg = decodeURIComponent(arg); } catch (e) { /* a hand-typed hash: used as it is */ }
  return { page: parts[0] || '', arg: arg };
}

window.MeshPortal = { views: views, Catalog: Catalog, esc: esc, highlight: highlight, parseRoute: parseRoute, layoutLineage: layoutLineage };

if (typeof document !== 'undefined') boot();

function boot() {
  var main = document.getElementById('main');
  var input = document.getElementById('search');
  if (!window.MESH_CATALOG) {
    main.innerHTML = '<section class="panel"><h1>No catalog data</h1><p>catalog.js did not load. Write the portal again with <code>mesh catalog --out &lt;dir&gt;</code>.</p></section>';
    return;
  }
  var cat = new Catalog(window.MESH_CATALOG);
  var query = '';
  var limit = RESULT_LIMIT;
  var lineage = null;

  function render() {
    var r = parseRoute(location.hash);
    var html;
    lineage = null;
    if (r.page === 'product') html = views.product(cat, r.arg);
    else if (r.page === 'domain') html = views.domain(cat, r.arg);
    else if (r.page === 'lineage') html = views.lineage(cat, r.arg);
    else html = views.home(cat, query);
    main.innerHTML = html;
    document.documentElement.setAttribute('data-view', r.page || 'home');
    document.title = (r.arg ? r.arg + ' · ' : r.page === 'lineage' ? 'Lineage · ' : '') + 'Mesh catalog';
    if (r.page === 'lineage') lineage = lineageView(cat, r.arg);
    if (r.page) window.scrollTo(0, 0);
    if (window.MESH_PORTAL_READY === undefined) window.MESH_PORTAL_READY = performance.now();
  }

  input.addEventListener('input', function () {
    query = input.value;
    limit = RESULT_LIMIT;
    var results = document.getElementById('results');
    if (results && !parseRoute(location.hash).page) results.innerHTML = views.results(cat, query, limit);
    else location.hash = '#/';
  });
  input.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter') return;
    var first = document.querySelector('#results a.product-link');
    if (first) location.hash = first.getAttribute('href');
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === '/' && document.activeElement !== input && !(ev.target && /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName))) {
      ev.preventDefault();
      input.focus();
    }
  });
  main.addEventListener('click', function (ev) {
    var button = ev.target.closest && ev.target.closest('[data-action]');
    if (!button) return;
    var action = button.getAttribute('data-action');
    if (action === 'more') {
      limit = Infinity;
      document.getElementById('results').innerHTML = views.results(cat, query, limit);
    } else if (lineage) lineage.action(action);
  });
  window.addEventListener('hashchange', render);
  render();
}

/** Zoom (wheel, buttons), pan (drag), hover and click on the rendered lineage graph. */
function lineageView(cat, focus) {
  var svg = document.getElementById('lineage-svg');
  var wrap = document.getElementById('lineage-wrap');
  var layout = cat.lineageLayout();
  var full = { x: 0, y: 0, w: layout.width, h: layout.height };
  var vb = { x: 0, y: 0, w: full.w, h: full.h };
  var minW = Math.min(240, full.w);
  var maxW = Math.max(full.w, full.h) * 4;
  function apply() {
    svg.setAttribute('viewBox', [vb.x, vb.y, vb.w, vb.h].map(function (n) { return Math.round(n * 100) / 100; }).join(' '));
    var ctm = svg.getScreenCTM();
    svg.classList.toggle('far', !!ctm && ctm.a < 0.45);
  }
  function fit() {
    var aspect = wrap.clientWidth / Math.max(1, wrap.clientHeight);
    var w = full.w, h = full.h;
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    vb = { x: full.x - (w - full.w) / 2, y: full.y - (h - full.h) / 2, w: w, h: h };
    apply();
  }
  function toSvg(cx, cy) {
    var ctm = svg.getScreenCTM();
    if (!ctm) return { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 };
    var pt = new DOMPoint(cx, cy).matrixTransform(ctm.inverse());
    return { x: pt.x, y: pt.y };
  }
  function zoomAt(cx, cy, factor) {
    var w = Math.min(maxW, Math.max(minW, vb.w * factor));
    var f = w / vb.w;
    var p = toSvg(cx, cy);
    vb = { x: p.x - (p.x - vb.x) * f, y: p.y - (p.y - vb.y) * f, w: vb.w * f, h: vb.h * f };
    apply();
  }
  function center(cx, cy) {
    var r = svg.getBoundingClientRect();
    return [r.left + (cx === undefined ? r.width / 2 : cx), r.top + (cy === undefined ? r.height / 2 : cy)];
  }
  svg.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
    zoomAt(ev.clientX, ev.clientY, Math.exp(Math.max(-300, Math.min(300, delta)) * 0.002));
  }, { passive: false });

  var drag = null;
  var dragged = false;
  svg.addEventListener('pointerdown', function (ev) {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, vb: { x: vb.x, y: vb.y, w: vb.w, h: vb.h } };
    dragged = false;
  });
  svg.addEventListener('pointermove', function (ev) {
    if (!drag) return;
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!dragged) {
      dragged = true;
      svg.setPointerCapture(ev.pointerId);
      svg.classList.add('dragging');
    }
    var ctm = svg.getScreenCTM();
    var s = ctm ? ctm.a : 1;
    vb = { x: drag.vb.x - dx / s, y: drag.vb.y - dy / s, w: drag.vb.w, h: drag.vb.h };
    apply();
  });
  function release() {
    drag = null;
    svg.classList.remove('dragging');
  }
  svg.addEventListener('pointerup', release);
  svg.addEventListener('pointercancel', release);
  svg.addEventListener('click', function (ev) {
    if (dragged) { dragged = false; return; }
    var node = ev.target.closest && ev.target.closest('g.node');
    if (!node) return;
    var id = node.getAttribute('data-id');
    location.hash = cat.byId[id] ? href('product', id) : href('domain', node.getAttribute('data-domain'));
  });

  // Each node's edges, found once, for hover highlighting.
  var edgesOf = {};
  var edgeEls = svg.querySelectorAll('path.edge');
  cat.model.lineage.edges.forEach(function (e, i) {
    var el = edgeEls[i];
    if (!el) return;
    (edgesOf[e.from] = edgesOf[e.from] || []).push(el);
    (edgesOf[e.to] = edgesOf[e.to] || []).push(el);
  });
  function mark(id, on) {
    (edgesOf[id] || []).forEach(function (el) { el.classList.toggle('hl', on); });
  }
  var hovered = null;
  svg.addEventListener('mouseover', function (ev) {
    var node = ev.target.closest && ev.target.closest('g.node');
    var id = node ? node.getAttribute('data-id') : null;
    if (id === hovered) return;
    if (hovered) mark(hovered, false);
    hovered = id;
    if (id) mark(id, true);
  });

  var select = document.getElementById('lineage-domain');
  select.addEventListener('change', function () {
    var d = select.value;
    svg.classList.toggle('filtered', !!d);
    svg.querySelectorAll('g.node').forEach(function (g) { g.classList.toggle('in-domain', g.getAttribute('data-domain') === d); });
  });

  fit();
  if (focus && layout.nodes[focus]) {
    var at = layout.nodes[focus];
    var el = svg.querySelector('g.node[data-id="' + (window.CSS && CSS.escape ? CSS.escape(focus) : focus) + '"]');
    if (el) el.classList.add('focus');
    mark(focus, true);
    var w = Math.min(vb.w, Math.max(minW, 1200));
    var f = w / vb.w;
    vb = { x: at.x + layout.nodeWidth / 2 - (vb.w * f) / 2, y: at.y + layout.nodeHeight / 2 - (vb.h * f) / 2, w: vb.w * f, h: vb.h * f };
    apply();
  }
  return {
    action: function (name) {
      var c = center();
      if (name === 'zoom-in') zoomAt(c[0], c[1], 1 / 1.4);
      else if (name === 'zoom-out') zoomAt(c[0], c[1], 1.4);
      else if (name === 'fit') fit();
    },
  };
}
`;

/** The portal's script: the lineage layout, then the views and the page's behaviour. */
export const PORTAL_SCRIPT = `(function () {\n'use strict';\nvar layoutLineage = ${layoutLineage.toString()};\n${BODY}})();\n`;
