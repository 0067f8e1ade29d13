import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../catalog-model.js';
import { mesh } from '../testing/run-cli.js';
import { CATALOG_SCRIPT, catalogScript, layoutLineage, PORTAL_FILES, renderPortal } from './index.js';
import { testCatalog } from './test-catalog.js';

const HOSTILE =
  '</script><script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> " onmouseover="window.pwned = 3';

interface Views {
  home(cat: unknown, query: string): string;
  results(cat: unknown, query: string, limit?: number): string;
  product(cat: unknown, id: string): string;
  domain(cat: unknown, name: string): string;
  lineage(cat: unknown, focus?: string): string;
}
interface Portal {
  views: Views;
  Catalog: new (
    model: unknown,
  ) => { search(q: string): { hits: Array<{ product: { id: string }; columns: Array<{ name: string }> }> } };
  layoutLineage: typeof layoutLineage;
}

/** The shipped browser script, run without a DOM: its views are pure functions of the model. */
function portalIn(files: Record<string, string>): { portal: Portal; window: Record<string, unknown> } {
  const window: Record<string, unknown> = {};
  const context = createContext({ window });
  new Script(files[CATALOG_SCRIPT]!, { filename: CATALOG_SCRIPT }).runInContext(context);
  new Script(files['portal.js']!, { filename: 'portal.js' }).runInContext(context);
  return { portal: window.MeshPortal as Portal, window };
}

const plain = (model: CatalogModel) => JSON.parse(JSON.stringify(model)) as unknown;

describe('portal files', () => {
  const model = testCatalog();
  const files = renderPortal(model);

  it('are a page, its script and stylesheet, and the data as a script and as JSON', () => {
    expect(Object.keys(files).sort()).toEqual([
      'catalog.js',
      'catalog.json',
      'index.html',
      'portal.css',
      'portal.js',
    ]);
    const html = files['index.html']!;
    for (const name of ['catalog.js', 'portal.js', 'portal.css']) expect(html).toContain(`"${name}"`);
    // catalog.js is loaded before the portal reads it.
    expect(html.indexOf('src="catalog.js"')).toBeLessThan(html.indexOf('src="portal.js"'));
    // Nothing is fetched from the network at run time.
    for (const text of Object.values(PORTAL_FILES))
      expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    // The fixed files carry no data: a server serves them beside a live catalog.js.
    for (const [name, text] of Object.entries(PORTAL_FILES)) expect(files[name]).toBe(text);
    expect(Object.values(PORTAL_FILES).join('\n')).not.toContain(model.products[0]!.description);
  });

  it('carry the model unchanged through catalog.js and catalog.json', () => {
    const { window } = portalIn(files);
    expect(window.MESH_CATALOG).toEqual(plain(model));
    expect(JSON.parse(files['catalog.json']!)).toEqual(plain(model));
    expect(catalogScript(model)).toBe(files['catalog.js']);
  });

  it('never let a hostile description out as markup', () => {
    const hostile = testCatalog({ hostile: HOSTILE });
    const out = renderPortal(hostile);
    // Not in the page, and no `<` at all in the data script: nothing there can close a script element.
    expect(out['index.html']).not.toContain('pwned');
    expect(out[CATALOG_SCRIPT]).not.toContain('<');
    const { portal, window } = portalIn(out);
    expect(window.MESH_CATALOG).toEqual(plain(hostile));
    const cat = new portal.Catalog(window.MESH_CATALOG);
    const first = hostile.products[0]!;
    const pages = [
      portal.views.home(cat, ''),
      portal.views.home(cat, 'window'),
      portal.views.results(cat, 'pwned'),
      portal.views.product(cat, first.id),
      portal.views.domain(cat, first.domain),
    ];
    for (const html of pages) {
      expect(html).toContain('pwned');
      // Escaped quotes keep the attribute-looking text inert: only raw markup would run.
      expect(html).not.toMatch(/<script|<img|onerror="|" onmouseover="/i);
      expect(html).toContain('&lt;script&gt;');
    }
    // The search marks its terms inside escaped text, not inside the markup it escaped.
    expect(portal.views.results(cat, 'script')).toContain('&lt;/<mark>script</mark>&gt;');
  });

  it('find products by name, description and column, case-insensitively', () => {
    const { portal, window } = portalIn(files);
    const cat = new portal.Catalog(window.MESH_CATALOG);
    const ids = (q: string) => cat.search(q).hits.map((h) => h.product.id);
    expect(ids('')).toHaveLength(model.products.length);
    expect(ids('PRODUCT_3_ID')).toEqual(['domain3.product_3']);
    expect(cat.search('product_3_id').hits[0]!.columns.map((c) => c.name)).toEqual(['product_3_id']);
    expect(ids('one row per thing')).toHaveLength(model.products.length);
    expect(ids('product_1 domain1')[0]).toBe('domain1.product_1');
    expect(ids('no such thing anywhere')).toEqual([]);
  });

  it('draw trends from the history, and say so when there is none', () => {
    const withHistory = testCatalog({ history: 8 });
    const single = testCatalog({ history: 1 });
    const none = testCatalog({ history: 0 });
    const charts = (m: CatalogModel, i = 0) => {
      const { portal, window } = portalIn(renderPortal(m));
      const html = portal.views.product(new portal.Catalog(window.MESH_CATALOG), m.products[i]!.id);
      return [...html.matchAll(/<figure class="chart">.*?<\/figure>/g)].map((f) => f[0]);
    };
    const [rows, duration] = charts(withHistory);
    // 8 snapshots and the current reading.
    expect(rows).toMatch(/data-points="9"/);
    expect(rows!.match(/<path class="line" d="M[^"]*"/)![0].match(/L/g)).toHaveLength(8);
    expect(duration).toMatch(/<path class="line"/);
    expect(rows).not.toContain('dot anomaly');
    const degraded = withHistory.products.findIndex((p) => p.health?.status === 'degraded');
    const [degradedRows] = charts(withHistory, degraded);
    // The snapshot that found the row count anomalous is marked.
    expect(degradedRows!.match(/class="dot anomaly"/g)).toHaveLength(1);
    const [oneRows] = charts(single);
    expect(oneRows).toMatch(/data-points="2"/);
    // Without history, the current reading is a single point on a level guide.
    const [noneRows, , , , noneCompleteness] = charts(none);
    expect(noneRows).toMatch(/data-points="1"/);
    expect(noneRows).toContain('class="line single"');
    expect(noneCompleteness).toContain('class="line single"');
    const unpublished = testCatalog({ history: 0, products: 6 });
    const { portal, window } = portalIn(renderPortal(unpublished));
    const errorPage = portal.views.product(
      new portal.Catalog(window.MESH_CATALOG),
      unpublished.products[5]!.id,
    );
    expect(unpublished.products[5]!.health!.status).toBe('error');
    expect(errorPage).toContain('No runs recorded yet');
    expect(errorPage).toContain('Not published yet.');
  });

  it('render a lineage node per source and product, linked to the layout', () => {
    const { portal, window } = portalIn(files);
    const page = portal.views.lineage(new portal.Catalog(window.MESH_CATALOG));
    const html = page.match(/<svg id="lineage-svg".*<\/svg>/)![0];
    expect(html.match(/<g class="node /g)).toHaveLength(model.lineage.nodes.length);
    expect(html.match(/<path class="edge/g)).toHaveLength(model.lineage.edges.length);
    expect(html.match(/<path class="edge cross"/g)?.length).toBe(
      model.lineage.edges.filter((e) => e.crossDomain).length,
    );
    expect(html).toContain('status-error');
  });
});

describe('layoutLineage', () => {
  const check = (model: CatalogModel) => {
    const layout = layoutLineage(model.lineage);
    for (const n of model.lineage.nodes) {
      const at = layout.nodes[n.id];
      expect(at, n.id).toBeDefined();
      expect(Number.isFinite(at!.x) && Number.isFinite(at!.y)).toBe(true);
      expect(at!.x + layout.nodeWidth).toBeLessThanOrEqual(layout.width);
      expect(at!.y + layout.nodeHeight).toBeLessThanOrEqual(layout.height);
      if (n.kind === 'source') expect(at!.layer).toBe(0);
    }
    for (const e of model.lineage.edges) {
      const from = layout.nodes[e.from]!;
      const to = layout.nodes[e.to]!;
      expect(from.layer, `${e.from} -> ${e.to}`).toBeLessThan(to.layer);
      expect(from.x + layout.nodeWidth).toBeLessThan(to.x);
    }
    // No two nodes of a column overlap.
    const byLayer = new Map<number, number[]>();
    for (const at of Object.values(layout.nodes))
      byLayer.set(at.layer, [...(byLayer.get(at.layer) ?? []), at.y]);
    for (const ys of byLayer.values()) {
      ys.sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++)
        expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(layout.nodeHeight);
    }
    return layout;
  };

  it('places every node, each to the right of what it reads', () => {
    const layout = check(testCatalog({ products: 40 }));
    expect(layout.layers).toBeGreaterThan(3);
  });

  it('puts a node at its longest path from the sources', () => {
    const layout = layoutLineage({
      nodes: [
        { id: 's.a', domain: 's' },
        { id: 's.b', domain: 's' },
        { id: 's.c', domain: 's' },
      ],
      edges: [
        { from: 's.a', to: 's.b' },
        { from: 's.b', to: 's.c' },
        { from: 's.a', to: 's.c' },
      ],
    });
    expect(['s.a', 's.b', 's.c'].map((id) => layout.nodes[id]!.layer)).toEqual([0, 1, 2]);
  });

  it('uncrosses edges by barycenter', () => {
    // By name a is above b and x above y, but a feeds y and b feeds x: straight edges need a swap.
    const layout = layoutLineage({
      nodes: ['a', 'b', 'x', 'y'].map((n) => ({ id: `d.${n}`, domain: 'd' })),
      edges: [
        { from: 'd.a', to: 'd.y' },
        { from: 'd.b', to: 'd.x' },
      ],
    });
    const y = (n: string) => layout.nodes[`d.${n}`]!.y;
    expect(Math.sign(y('a') - y('b'))).toBe(Math.sign(y('y') - y('x')));
  });

  it('survives a cycle and edges to unknown nodes', () => {
    const layout = layoutLineage({
      nodes: [
        { id: 'd.a', domain: 'd' },
        { id: 'd.b', domain: 'd' },
      ],
      edges: [
        { from: 'd.a', to: 'd.b' },
        { from: 'd.b', to: 'd.a' },
        { from: 'd.zz', to: 'd.a' },
      ],
    });
    expect(Object.keys(layout.nodes).sort()).toEqual(['d.a', 'd.b']);
    expect(layoutLineage({ nodes: [], edges: [] })).toMatchObject({ layers: 0, nodes: {} });
  });

  it('lays out 1,000 products at once, as the browser does', () => {
    const big = testCatalog({ products: 1000, domains: 12, columns: 15, history: 0 });
    const started = performance.now();
    const layout = layoutLineage(big.lineage);
    const ms = performance.now() - started;
    console.log(
      `layoutLineage: ${big.lineage.nodes.length} nodes, ${big.lineage.edges.length} edges, ${layout.layers} layers in ${ms.toFixed(1)} ms`,
    );
    check(big);
    // The portal ships this very function: the browser's layout is the same.
    const { portal } = portalIn(renderPortal(testCatalog({ products: 3 })));
    expect(portal.layoutLineage(big.lineage)).toEqual(layout);
  });
});

describe('mesh catalog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-catalog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('needs --out', async () => {
    const r = await mesh('catalog');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out');
  });

  it('refuses names and an --out that is a file, before reading the warehouse', async () => {
    expect((await mesh('catalog', 'order', '--out', dir)).code).toBe(2);
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    const r = await mesh(
      'catalog',
      '--out',
      join(file, 'catalog'),
      '--db',
      join(dir, 'missing.duckdb'),
      '--json',
    );
    expect(r.code).not.toBe(0);
    expect(r.json().error.message).toMatch(/^--out .*not a directory/);
  });
});
