import type { CatalogModel } from '../catalog-model.js';
import { PORTAL_SCRIPT } from './app-script.js';
import { PORTAL_STYLES } from './styles.js';

export { type LayoutGraph, type LayoutOptions, type LineageLayout, layoutLineage } from './layout.js';

/** The file the data goes in: a script, since a page opened from disk cannot fetch JSON. */
export const CATALOG_SCRIPT = 'catalog.js';

/**
 * The page carries no data, so it is the same for every catalog. The CSP forbids inline
 * scripts and event handlers: a description that slipped through escaping still cannot run.
 */
const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:">
<title>Mesh catalog</title>
<link rel="stylesheet" href="portal.css">
</head>
<body>
<header class="topbar">
<a class="brand" href="#/">Mesh catalog</a>
<nav><a href="#/">Products</a><a href="#/lineage">Lineage</a></nav>
<input id="search" type="search" placeholder="Search products, columns, descriptions  ( / )" autocomplete="off" spellcheck="false" aria-label="Search the catalog">
</header>
<main id="main"><p class="muted">Loading the catalog…</p></main>
<footer>Written by <code>mesh catalog</code>. Data lives in ${CATALOG_SCRIPT}; nothing is fetched from the network.</footer>
<script src="${CATALOG_SCRIPT}" charset="utf-8"></script>
<script src="portal.js" charset="utf-8"></script>
</body>
</html>
`;

/** The portal without its data: what a server serves beside a live `catalog.js` (`catalogScript`). */
export const PORTAL_FILES: Readonly<Record<string, string>> = Object.freeze({
  'index.html': INDEX_HTML,
  'portal.js': PORTAL_SCRIPT,
  'portal.css': PORTAL_STYLES,
});

/**
 * The model as JSON that is also safe to inline in HTML: `<` is escaped so that no `</script>`
 * or comment opener in a description can end a script element, and U+2028/U+2029 so that older
 * parsers read it as one line.
 */
export function catalogJson(model: CatalogModel): string {
  return JSON.stringify(model)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * `catalog.js`: sets the model as `window.MESH_CATALOG`. The JSON is parsed from a string rather
 * than written as an object literal: engines parse JSON about twice as fast as JavaScript, which
 * is what keeps a catalog of a thousand products opening in well under a second.
 */
export function catalogScript(model: CatalogModel): string {
  return `window.MESH_CATALOG = JSON.parse(${JSON.stringify(catalogJson(model))});\n`;
}

/**
 * The whole portal for a model, file name to content: the fixed files, `catalog.js`, and
 * `catalog.json` (the same model, for tools that read the catalog rather than show it).
 */
export function renderPortal(model: CatalogModel): Record<string, string> {
  return {
    ...PORTAL_FILES,
    [CATALOG_SCRIPT]: catalogScript(model),
    'catalog.json': `${JSON.stringify(model)}\n`,
  };
}
